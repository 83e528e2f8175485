# shellcheck shell=bash
# readme_command KIND -> prints the README's set-up command of that kind, exactly as written there.
#   KIND run    the line `pip install … && python app.py`  (runs the app on the SQLite demo)
#   KIND test   the line `pip install … && pytest`         (runs the tests)
# Fails unless the README holds exactly one such line, so CI can never run a command the README
# no longer tells a newcomer.
readme_command() {
    local readme pattern lines count
    readme="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/README.md"
    case "$1" in
        run) pattern='^pip install .* && python app\.py$' ;;
        test) pattern='^pip install .* && pytest$' ;;
        *) echo "readme_command: KIND is run or test, not '$1'" >&2; return 2 ;;
    esac
    lines=$(grep -E "$pattern" "$readme" || true)
    count=$(printf '%s' "$lines" | grep -c . || true)
    if [ "$count" != 1 ]; then
        echo "README.md must hold exactly one '$1' command matching /$pattern/; found $count" >&2
        return 1
    fi
    printf '%s\n' "$lines"
}
