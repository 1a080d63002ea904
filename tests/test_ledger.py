"""The ``ledger`` command, the money package's layers (no import cycle) and the money views."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The money package's layers, lowest first: a module may import only modules of lower layers.
LAYERS = ["params", "prices", "incidence", "kernel", "inputs", "draws", "scenarios", "metrics", "heat_ownership",
          "policy", "sensitivity", "report", "views", "step"]


def _imports(module: str) -> set[str]:
    tree = ast.parse((ROOT / "analysis" / "economics" / f"{module}.py").read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("analysis.economics"):
                tail = node.module.split(".")[2:] or [a.name for a in node.names]
                out.update(t for t in tail if t in LAYERS)
                if node.module == "analysis.economics":
                    out.update(a.name for a in node.names if a.name in LAYERS)
    return out


def test_the_money_package_has_no_import_cycle():
    files = {p.stem for p in (ROOT / "analysis" / "economics").glob("*.py")} - {"__init__"}
    assert files == set(LAYERS), "every module of analysis.economics has a place in LAYERS"
    for i, module in enumerate(LAYERS):
        for imported in _imports(module):
            assert LAYERS.index(imported) < i, f"{module} imports {imported}, a layer above it"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_ledger_with_a_bad_store_is_one_line(tmp_path):
    not_a_store = tmp_path / "x.duckdb"
    not_a_store.write_text("hello")
    out = cli("ledger", "--db", str(not_a_store))
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "not a DuckDB store" in out.stderr
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    out = cli("ledger", "--db", str(empty))
    assert out.returncode == 1 and "holds no results" in out.stderr and "fix:" in out.stderr
    out = cli("ledger", "--db", str(tmp_path / "missing.duckdb"))
    assert out.returncode == 1 and "store not found" in out.stderr


@pytest.mark.slow
def test_ledger_json_and_text(camden_store):
    out = cli("ledger", "--db", str(camden_store), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert len(report["price_date"]) == 7 and report["currency"] == "GBP"
    ids = [s["id"] for s in report["scenarios"]]
    assert "market" in ids and "public@worthwhile_roofs" in ids
    for sc in report["scenarios"]:
        assert {"id", "ownership", "roofs", "installed_mwp", "value_created_per_year", "parties", "households"} <= set(sc)
        total = sum(p["per_year"] for p in sc["parties"])
        assert total == pytest.approx(sc["value_created_per_year"], abs=1.0)  # parties under 50 p are dropped
        assert {p["lands_on"] for p in sc["parties"]} <= {"households", "public", "outside"}
        assert any(p["invests"] for p in sc["parties"]) or sc["installed_mwp"] == 0
        assert len(sc["households"]["by_decile"]) == 10 and "social_rented" in sc["households"]["by_tenure"]
    one = cli("ledger", "--db", str(camden_store), "--scenario", "public@worthwhile_roofs")
    assert one.returncode == 0 and "at 20" in one.stdout and "lands on" in one.stdout
    bad = cli("ledger", "--db", str(camden_store), "--scenario", "socialism")
    assert bad.returncode == 1 and "no scenario 'socialism'" in bad.stderr and "use one of" in bad.stderr


@pytest.mark.slow
def test_money_views_add_up(camden_store):
    from analysis import store
    from analysis.economics import views

    con = store.open_results(camden_store)
    try:
        names = ["market@worthwhile_roofs", "public@worthwhile_roofs"]
        table = views.scenario_table(con, names).set_index("scenario")
        land = views.landing_frame(con, names).pivot(index="scenario", columns="lands_on", values="amount")
        for name in names:
            assert land.loc[name].sum() == pytest.approx(table.loc[name, "real_value"], abs=0.05)
            assert land.loc[name, "households"] == pytest.approx(table.loc[name, "to_households"], abs=0.05)
            ledger = views.ledger_table(con, name)
            assert ledger["amount"].sum() == pytest.approx(table.loc[name, "real_value"], abs=5.0)
        assert views.price_month(con).split()[-1].isdigit()
        bills = views.heat_bills(con)
        assert set(bills["scale"]) <= {"borough", "estate"} and (bills["gas_bill"] > 0).all()
        assert len(views.ranking_table(con, 5)) == 5
    finally:
        con.close()


def test_largest_outside_parties_match_the_party_table(camden_store):
    """The intro's 'other outside parties': gaining parties only, largest first, ranges over the scenarios."""
    import duckdb

    from analysis.economics import views as V

    con = duckdb.connect(str(camden_store), read_only=True)
    names = ["coop@worthwhile_roofs", "public@worthwhile_roofs"]
    top = V.largest_outside_parties(con, names)
    raw = con.execute("SELECT scenario, party, sum(amount_per_year) a FROM scenario_parties WHERE lands_on = 'outside' "
                      "GROUP BY 1, 2").df()
    con.close()
    assert 1 <= len(top) <= 3 and "bill_payers_elsewhere" not in top.index
    assert list(top["max"]) == sorted(top["max"], reverse=True) and (top["max"] > 0).all()
    first = top.index[0]
    mine = raw[(raw.party == first) & raw.scenario.isin(names)].a
    assert top.loc[first, "min"] == pytest.approx(mine.min()) and top.loc[first, "max"] == pytest.approx(mine.max())
