"""Demo master data: warehouses, suppliers, products, supplier terms and customers.

Everything is drawn from one numpy ``Generator`` so a seed reproduces it exactly, and is
vectorised so 100,000 SKUs take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard.domain.codes import Substitutability

WAREHOUSES = (
    ("NJ1", "Newark, NJ", "America/New_York", 0.45),
    ("TX1", "Dallas, TX", "America/Chicago", 0.33),
    ("CA1", "Ontario, CA", "America/Los_Angeles", 0.22),
)

# name, SKU prefix, (niche, standard, commodity) weights, price range, seasonal peak day-of-year
CATEGORIES = (
    ("Kitchen", "KIT", (0.2, 0.5, 0.3), (8, 180), 340),
    ("Outdoor", "OUT", (0.35, 0.45, 0.2), (15, 400), 160),
    ("Electronics accessories", "ELA", (0.15, 0.45, 0.4), (6, 120), 335),
    ("Toys", "TOY", (0.4, 0.4, 0.2), (5, 90), 345),
    ("Beauty", "BEA", (0.25, 0.45, 0.3), (4, 70), None),
    ("Pet supplies", "PET", (0.15, 0.45, 0.4), (3, 110), None),
    ("Home office", "OFF", (0.2, 0.5, 0.3), (5, 350), 245),
    ("Fitness", "FIT", (0.3, 0.5, 0.2), (10, 300), 10),
    ("Garden", "GAR", (0.3, 0.45, 0.25), (4, 250), 120),
    ("Baby", "BAB", (0.35, 0.45, 0.2), (6, 220), None),
)
CATEGORY_WEIGHTS = np.array([0.13, 0.1, 0.12, 0.1, 0.1, 0.09, 0.1, 0.08, 0.09, 0.09])

NOUNS = {
    "Kitchen": ["skillet", "chef knife", "cutting board", "saucepan", "kettle", "mixing bowl", "spatula set"],
    "Outdoor": ["tent", "sleeping bag", "headlamp", "camp stove", "trekking poles", "cooler", "hammock"],
    "Electronics accessories": ["USB-C cable", "charger", "phone case", "power bank", "earbuds", "hub"],
    "Toys": ["building set", "puzzle", "plush bear", "board game", "kite", "train set", "doll house"],
    "Beauty": ["face serum", "hand cream", "hair dryer", "lip balm", "shampoo", "makeup brush set"],
    "Pet supplies": ["dog bed", "cat tree", "chew toy", "leash", "litter box", "pet fountain"],
    "Home office": ["desk lamp", "monitor arm", "office chair", "notebook", "desk mat", "label printer"],
    "Fitness": ["yoga mat", "kettlebell", "resistance bands", "foam roller", "jump rope", "dumbbell set"],
    "Garden": ["hose reel", "pruning shears", "planter", "seed kit", "watering can", "garden gloves"],
    "Baby": ["stroller", "baby monitor", "high chair", "bottle set", "play mat", "carrier"],
}
ADJECTIVES = ["Classic", "Pro", "Compact", "Deluxe", "Eco", "Ultra", "Essential", "Premium", "Travel", "Smart"]
VARIANTS = ["black", "white", "grey", "blue", "green", "red", "small", "medium", "large", "XL", "2-pack"]

SUPPLIER_NAMES = [
    "Northwind",
    "Bluegate",
    "Harbor",
    "Summit",
    "Lantern",
    "Redwood",
    "Meridian",
    "Copperline",
    "Keystone",
    "Silverleaf",
    "Atlas",
    "Brightway",
    "Crescent",
    "Evergreen",
    "Ironbridge",
    "Juniper",
]
SUPPLIER_SUFFIXES = ["Trading", "Supply Co.", "Manufacturing", "Imports", "Goods", "Industries", "Sourcing"]
# country, quoted lead time range in days (domestic is quick, overseas is long)
COUNTRIES = (("US", (5, 12)), ("MX", (10, 18)), ("DE", (18, 28)), ("CN", (35, 55)), ("VN", (35, 50)))

# Reliability tiers: probability a PO is late, mean delay when late (days), ETA confirm rate.
TIERS = {
    "reliable": (0.10, 2.0, 0.9),
    "average": (0.30, 5.0, 0.65),
    "often_late": (0.62, 11.0, 0.35),
}

FIRST_NAMES = [
    "Ava",
    "Liam",
    "Mia",
    "Noah",
    "Zoe",
    "Ethan",
    "Chloe",
    "Lucas",
    "Nora",
    "Mateo",
    "Ivy",
    "Leo",
    "Aria",
    "Omar",
    "Sofia",
    "Ravi",
    "Hana",
    "Jonas",
    "Elena",
    "Kofi",
    "Priya",
    "Diego",
    "Mei",
    "Sam",
]
LAST_NAMES = [
    "Smith",
    "Garcia",
    "Chen",
    "Patel",
    "Johnson",
    "Nguyen",
    "Kim",
    "Brown",
    "Lopez",
    "Okafor",
    "Müller",
    "Rossi",
    "Silva",
    "Khan",
    "Davis",
    "Martin",
    "Novak",
    "Larsen",
    "Cohen",
    "Tanaka",
]


@dataclass
class Catalog:
    """Master data as column arrays; index i is the row with id i + 1."""

    # products
    sku: list[str]
    name: list[str]
    category: np.ndarray  # index into CATEGORIES
    substitutability: np.ndarray  # 0 niche, 1 standard, 2 commodity
    price: np.ndarray
    cost: np.ndarray
    popularity: np.ndarray  # order lines per day, all warehouses together
    accepts_backorders: np.ndarray
    forecast_bias: np.ndarray  # planner's demand estimate ÷ true demand
    # suppliers
    supplier_code: list[str]
    supplier_name: list[str]
    supplier_country: list[str]
    supplier_lead: np.ndarray
    supplier_tier: list[str]
    supplier_order_dow: np.ndarray
    # product_supplier (one row per link)
    ps_product: np.ndarray
    ps_supplier: np.ndarray
    ps_primary: np.ndarray
    ps_lead: np.ndarray
    ps_moq: np.ndarray
    ps_pack: np.ndarray
    ps_cost: np.ndarray
    primary_link: np.ndarray  # per product: row in ps_* of its primary supplier
    secondary_link: np.ndarray  # per product: row of the second supplier or -1
    # customers
    customer_code: list[str]
    customer_name: list[str]
    customer_email: list[str]
    customer_vip: np.ndarray
    customer_weight: np.ndarray

    @property
    def n_products(self) -> int:
        """Number of products."""
        return len(self.sku)


def _supplier_name(i: int) -> str:
    """Distinct, plausible supplier names however many suppliers there are."""
    base = SUPPLIER_NAMES[i % len(SUPPLIER_NAMES)]
    suffix = SUPPLIER_SUFFIXES[(i // len(SUPPLIER_NAMES) + i) % len(SUPPLIER_SUFFIXES)]
    cycle = i // (len(SUPPLIER_NAMES) * len(SUPPLIER_SUFFIXES))
    return f"{base} {suffix}" + (f" {cycle + 1}" if cycle else "")


def build_catalog(rng: np.random.Generator, n_skus: int, days: int, lines_per_sku: float) -> Catalog:
    """Draw products, suppliers and customers for ``n_skus`` SKUs over ``days`` days."""
    n = n_skus
    cat = rng.choice(len(CATEGORIES), size=n, p=CATEGORY_WEIGHTS / CATEGORY_WEIGHTS.sum())
    sub = np.empty(n, dtype=np.int64)
    price = np.empty(n)
    for c, (_, _, weights, (lo, hi), _) in enumerate(CATEGORIES):
        idx = np.flatnonzero(cat == c)
        sub[idx] = rng.choice(3, size=idx.size, p=weights)
        # log-uniform prices: many cheap items, a few expensive ones
        price[idx] = np.exp(rng.uniform(np.log(lo), np.log(hi), size=idx.size))
    price = np.round(price, 0) - 0.01
    cost = np.round(price * rng.uniform(0.35, 0.65, size=n), 2)

    # Skewed popularity (lognormal, long tail), scaled to the target number of lines.
    raw = rng.lognormal(mean=0.0, sigma=1.25, size=n)
    popularity = raw / raw.mean() * lines_per_sku / days
    accepts = np.where(sub == Substitutability.values().index("commodity"), rng.random(n) < 0.15, rng.random(n) < 0.85)
    bias = np.clip(rng.lognormal(mean=-0.15, sigma=0.3, size=n), 0.4, 1.8)

    prefixes = [CATEGORIES[c][1] for c in cat]
    sku = [f"{p}-{i + 1:06d}" for i, p in enumerate(prefixes)]
    adj = rng.integers(0, len(ADJECTIVES), size=n)
    var = rng.integers(0, len(VARIANTS), size=n)
    noun_pick = rng.integers(0, 1000, size=n)
    names = []
    for i in range(n):
        nouns = NOUNS[CATEGORIES[cat[i]][0]]
        names.append(f"{ADJECTIVES[adj[i]]} {nouns[noun_pick[i] % len(nouns)]}, {VARIANTS[var[i]]}")

    # Suppliers: enough that each serves a few hundred to a few thousand SKUs.
    n_sup = max(8, n // 2000)
    tiers = np.array(["reliable", "average", "often_late"])[rng.choice(3, size=n_sup, p=[0.4, 0.35, 0.25])]
    tiers[:3] = ["reliable", "average", "often_late"]  # every tier is present, however small the demo
    tiers[3] = "often_late"
    country_idx = rng.choice(len(COUNTRIES), size=n_sup, p=[0.35, 0.15, 0.15, 0.2, 0.15])
    lead = np.array([rng.integers(*COUNTRIES[k][1]) for k in country_idx])
    sup_names = [_supplier_name(i) for i in range(n_sup)]
    # Each supplier specialises: it serves two categories; every category has suppliers.
    sup_cats = np.stack([np.arange(n_sup) % len(CATEGORIES), rng.integers(0, len(CATEGORIES), size=n_sup)], 1)
    by_cat = [np.flatnonzero((sup_cats == c).any(axis=1)) for c in range(len(CATEGORIES))]
    by_cat = [found if found.size else np.array([c % n_sup]) for c, found in enumerate(by_cat)]

    primary = np.array([by_cat[c][rng.integers(0, by_cat[c].size)] for c in cat])
    has_second = rng.random(n) < 0.25
    second_choice = rng.integers(0, n_sup, size=n)
    second = np.where(has_second & (second_choice != primary), second_choice, -1)

    ps_product = np.concatenate([np.arange(n), np.flatnonzero(second >= 0)])
    ps_supplier = np.concatenate([primary, second[second >= 0]])
    ps_primary = np.concatenate([np.ones(n, bool), np.zeros((second >= 0).sum(), bool)])
    m = ps_product.size
    ps_lead = np.maximum(2, lead[ps_supplier] + rng.integers(-2, 4, size=m))
    unit_price = price[ps_product]
    pack = np.where(
        unit_price < 15,
        rng.choice([6, 12, 24], size=m),
        np.where(unit_price < 60, rng.choice([1, 2, 4, 6], size=m), rng.choice([1, 1, 2], size=m)),
    )
    moq = pack * rng.choice([1, 1, 2, 4], size=m)
    ps_cost = np.round(cost[ps_product] * rng.uniform(0.92, 1.08, size=m), 2)
    primary_link = np.arange(n)
    secondary_link = np.full(n, -1)
    secondary_link[ps_product[n:]] = np.arange(n, m)

    n_cust = max(300, 2 * n)
    first = rng.integers(0, len(FIRST_NAMES), size=n_cust)
    last = rng.integers(0, len(LAST_NAMES), size=n_cust)
    cust_names = [f"{FIRST_NAMES[a]} {LAST_NAMES[b]}" for a, b in zip(first, last, strict=True)]
    emails = [
        f"{FIRST_NAMES[a].lower()}.{LAST_NAMES[b].lower().replace('ü', 'u')}{i + 1}@example.com"
        for i, (a, b) in enumerate(zip(first, last, strict=True))
    ]
    vip = rng.random(n_cust) < 0.04
    weight = rng.pareto(1.5, size=n_cust) + 1.0

    return Catalog(
        sku=sku,
        name=names,
        category=cat,
        substitutability=sub,
        price=price,
        cost=cost,
        popularity=popularity,
        accepts_backorders=accepts,
        forecast_bias=bias,
        supplier_code=[f"SUP-{i + 1:03d}" for i in range(n_sup)],
        supplier_name=sup_names,
        supplier_country=[COUNTRIES[k][0] for k in country_idx],
        supplier_lead=lead,
        supplier_tier=list(tiers),
        supplier_order_dow=rng.integers(0, 5, size=n_sup),
        ps_product=ps_product,
        ps_supplier=ps_supplier,
        ps_primary=ps_primary,
        ps_lead=ps_lead,
        ps_moq=moq,
        ps_pack=pack,
        ps_cost=ps_cost,
        primary_link=primary_link,
        secondary_link=secondary_link,
        customer_code=[f"C{i + 1:07d}" for i in range(n_cust)],
        customer_name=cust_names,
        customer_email=emails,
        customer_vip=vip,
        customer_weight=weight / weight.sum(),
    )
