"""All models, importable from one place; importing this registers every table on the metadata."""

from dashboard.db.base import Base
from dashboard.db.models.accounts import ApiToken, AuditEvent, User, UserPreference
from dashboard.db.models.catalog import (
    Product,
    ProductSupplier,
    StockLevel,
    StockMovement,
    Supplier,
    Warehouse,
)
from dashboard.db.models.comms import Notification, NotificationLine, RestockSubscription
from dashboard.db.models.derived import (
    BackorderTriage,
    SkuMetrics,
    SkuMetricsExplain,
    SkuMetricsSummary,
    StatusAdvice,
)
from dashboard.db.models.imports import ImportMapping, ImportUpload
from dashboard.db.models.kpi import (
    KPI_TABLES,
    WEEKLY,
    KpiCauseDaily,
    KpiDaily,
    KpiNotifyDaily,
    KpiStockDaily,
    KpiStockWeekly,
    KpiSupplierDaily,
    KpiWeekly,
)
from dashboard.db.models.orders import ContactLog, Customer, OrderLine, PromiseRevision, SalesOrder
from dashboard.db.models.purchasing import EtaRevision, POLine, PurchaseOrder
from dashboard.db.models.sales import SalesLine, SalesPeriod
from dashboard.db.models.system import DEMO_DATASET_KEY, AppSetting

__all__ = [
    "DEMO_DATASET_KEY",
    "KPI_TABLES",
    "WEEKLY",
    "ApiToken",
    "AppSetting",
    "AuditEvent",
    "BackorderTriage",
    "Base",
    "ContactLog",
    "Customer",
    "EtaRevision",
    "ImportMapping",
    "ImportUpload",
    "KpiCauseDaily",
    "KpiDaily",
    "KpiNotifyDaily",
    "KpiStockDaily",
    "KpiStockWeekly",
    "KpiSupplierDaily",
    "KpiWeekly",
    "Notification",
    "NotificationLine",
    "OrderLine",
    "POLine",
    "Product",
    "ProductSupplier",
    "PromiseRevision",
    "PurchaseOrder",
    "RestockSubscription",
    "SalesLine",
    "SalesOrder",
    "SalesPeriod",
    "SkuMetrics",
    "SkuMetricsExplain",
    "SkuMetricsSummary",
    "StatusAdvice",
    "StockLevel",
    "StockMovement",
    "Supplier",
    "User",
    "UserPreference",
    "Warehouse",
]
