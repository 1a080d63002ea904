"""Building attributes beyond what was observed: use, storeys and height, age — each with provenance.

The readers in :mod:`analysis.ingest.buildings` return what the source says. This step fills
the gaps and labels every value ``observed`` (a tag), ``derived`` (a documented rule on other
observed fields) or ``imputed`` (from neighbours, a model fitted on the place's own observed
buildings, or area statistics):

* **Use** (:func:`classify_use`): ``domestic``, ``mixed`` (shops or offices below, possibly homes
  above), ``non_domestic``, ``ancillary`` (garages, sheds, canopies: roofs but no homes or heat)
  or ``unknown`` (OSM's ``building=yes`` with no other clue). Explicit ``building`` values are
  observed; ``building:use``, ``amenity``/``shop``/``office`` on the footprint, a name that says
  what the building is (``St Mary's Church``, ``Kentish Town Fire Station``: :func:`name_category`),
  shops and amenities mapped inside it and the ``landuse`` polygon around it give derived uses. Unknown
  buildings are resolved by :mod:`analysis.homes`, which gives census households to residential
  floor area and leaves the rest non-domestic (imputed).
* **Storeys** (:func:`impute_levels`): where neither ``building:levels`` nor ``height`` was
  mapped, log(storeys) is predicted by least squares from log(footprint), the building's use
  group and the median observed storeys of its nearest mapped neighbours of the same form
  (houses, blocks, other; streets are built in runs of similar houses), fitted on the place's own buildings with observed storeys. The
  10th–90th percentile of the out-of-sample residuals gives low and high values; the
  cross-validated error is recorded in the data-quality log.
* **Age** (:func:`age_bands`): the age band of the observed construction year; otherwise the
  building's kind gets an *imputed* band and, for heat demand, a distribution over bands
  (:data:`AGE_PRIOR`) so that totals are not biased towards one band.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.quality import (DERIVED, IMPUTED, OBSERVED, P_DERIVED, P_IMPUTED, P_OBSERVED, PROVENANCE, QualityLog,
                              codes_of, labels, text_column)

HOUSE_FORM = {"house", "houses", "detached", "semidetached_house", "semi_detached", "semi", "terrace",
              "terraced_house", "bungalow", "villa", "cottage", "townhouse", "farm", "cabin"}
BLOCK_FORM = {"apartments", "flats", "maisonettes", "council_flats", "flat"}
DOMESTIC = HOUSE_FORM | BLOCK_FORM | {"residential", "houseboat", "static_caravan"}
ANCILLARY = {"garage", "garages", "shed", "carport", "roof", "hut", "kiosk", "air_shaft", "ventilation_shaft",
             "service", "transformer_tower", "toilets", "bunker", "ruins", "construction", "container", "greenhouse",
             "glasshouse", "bridge", "storage_tank", "silo", "no", "tent", "conservatory", "boathouse",
             "bicycle_shelter", "shelter", "canopy", "substation", "collapsed", "demolished", "disused", "abandoned"}
#: Buildings that are one hall under a roof (train sheds, glasshouses, hangars): one storey of floor,
#: whatever their height.
HALL_FORMS = {"train_station", "glasshouse", "greenhouse", "hangar"}
UNKNOWN = {"yes", "building", "block", "multiple", "other", "part", "unclassified", "true", "1", "undefined"}
#: Non-domestic benchmark category by tag value (``building``, ``building:use``, ``amenity``,
#: ``shop``, ``office``, ``tourism``, ``healthcare``, ``leisure``); categories are the rows of
#: ``data/typology/nondomestic_benchmarks.csv`` (CIBSE TM46 classes).
CATEGORY = {
    **dict.fromkeys(["office", "offices", "commercial", "bank", "company", "estate_agent", "lawyer", "ngo",
                     "coworking", "it", "consulting", "accountant", "architect", "research"], "office"),
    **dict.fromkeys(["retail", "shop", "store", "department_store", "mall", "marketplace", "shops"], "retail"),
    **dict.fromkeys(["supermarket", "convenience", "greengrocer", "butcher", "bakery"], "food_retail"),
    **dict.fromkeys(["school", "kindergarten", "childcare", "nursery", "primary_school", "secondary_school"], "school"),
    **dict.fromkeys(["university", "college", "education"], "university"),
    **dict.fromkeys(["hospital"], "hospital"),
    **dict.fromkeys(["clinic", "doctors", "dentist", "healthcare", "health_centre", "surgery", "veterinary"], "clinic"),
    **dict.fromkeys(["church", "chapel", "cathedral", "mosque", "synagogue", "temple", "shrine", "religious",
                     "place_of_worship", "monastery", "convent", "presbytery", "gurdwara"], "worship"),
    **dict.fromkeys(["hotel", "hostel", "guest_house", "motel", "apartment"], "hotel"),
    # Halls of residence are communal establishments: the census counts no households in them.
    **dict.fromkeys(["dormitory", "student_accommodation", "student_residence", "hall_of_residence",
                     "halls_of_residence"], "accommodation"),
    **dict.fromkeys(["nursing_home", "care_home", "social_facility", "retirement_home"], "residential_care"),
    **dict.fromkeys(["restaurant", "cafe", "fast_food", "food_court", "ice_cream"], "restaurant"),
    **dict.fromkeys(["pub", "bar", "nightclub", "biergarten", "casino"], "pub"),
    **dict.fromkeys(["museum", "library", "theatre", "cinema", "arts_centre", "gallery", "community_centre",
                     "exhibition_centre", "conference_centre", "events_venue", "music_venue", "studio"], "cultural"),
    **dict.fromkeys(["sports_centre", "sports_hall", "stadium", "fitness_centre", "gym", "leisure", "pavilion",
                     "swimming_pool", "grandstand", "riding_hall"], "leisure"),
    **dict.fromkeys(["civic", "public", "townhall", "government", "courthouse", "fire_station", "police", "prison",
                     "post_office", "embassy", "diplomatic"], "public"),
    **dict.fromkeys(["industrial", "manufacture", "factory", "workshop", "craft", "brewery", "works"], "industrial"),
    **dict.fromkeys(["warehouse", "storage", "depot", "hangar", "barn", "farm_auxiliary", "stable"], "storage"),
    **dict.fromkeys(["train_station", "transportation", "station", "bus_station", "subway_entrance"], "transport"),
    **dict.fromkeys(["parking", "car_park", "parking_garage", "multi-storey"], "car_park"),
}
#: Words in an untagged building's ``name`` that say what it is used for (English names; a phrase is
#: matched before its last word, so a "fire station" is public, not transport). A name that also
#: says it holds homes (:data:`HOME_NAME_WORDS`) keeps the building a home candidate.
NAME_CATEGORY = {
    **dict.fromkeys(["fire station", "police station", "ambulance station", "town hall", "magistrates",
                     "courthouse"], "public"),
    **dict.fromkeys(["health centre", "medical centre", "clinic", "surgery"], "clinic"),
    **dict.fromkeys(["care home", "care centre", "nursing home"], "residential_care"),
    **dict.fromkeys(["community centre", "children's centre", "childrens centre", "arts centre", "museum", "library",
                     "gallery", "theatre", "cinema"], "cultural"),
    **dict.fromkeys(["leisure centre", "sports centre"], "leisure"),
    **dict.fromkeys(["chapel", "church", "cathedral", "mosque", "synagogue", "temple", "gurdwara"], "worship"),
    **dict.fromkeys(["school", "nursery"], "school"),
    **dict.fromkeys(["college", "university", "institute"], "university"),
    **dict.fromkeys(["hospital"], "hospital"),
    **dict.fromkeys(["hotel", "hostel"], "hotel"),
    **dict.fromkeys(["station"], "transport"),
    **dict.fromkeys(["office", "offices", "headquarters", "delivery office", "sorting office"], "office"),
    **dict.fromkeys(["supermarket", "sainsbury's", "sainsburys", "tesco", "waitrose", "morrisons", "aldi", "lidl"],
                    "food_retail"),
    **dict.fromkeys(["depot", "parcelforce"], "storage"),
}
#: A name ending in "Centre" (the Aga Khan Centre, an Army Reserve Centre) is a non-domestic building of no
#: benchmark class; "Centre Point Tower", where the word comes first, is not matched.
NAME_CENTRE = r"\bcent(re|er)$"
HOME_NAME_WORDS = ("flats", "apartments", "house", "houses", "court", "mansions", "lodge", "cottage", "cottages",
                   "residence", "residences", "homes", "estate", "terrace", "villas")


def _per_distinct_name(names, rule, dtype) -> np.ndarray:
    """``rule(lowered name)`` for each name, evaluated once per distinct name (names repeat a lot)."""
    codes, values = pd.factorize(pd.Series(names, dtype="object").fillna("").astype(str), use_na_sentinel=False)
    per_name = np.array([rule(v.lower().replace("\u2019", "'").strip()) for v in values], dtype=dtype)
    return per_name[codes] if len(per_name) else np.array([], dtype=dtype)


def name_category(names) -> np.ndarray:
    """Benchmark category a building's name gives (:data:`NAME_CATEGORY`), '' where none.

    Whole words, case-insensitive."""
    import re

    home = re.compile(r"\b(" + "|".join(HOME_NAME_WORDS) + r")\b")
    phrases = sorted(NAME_CATEGORY, key=lambda w: -len(w))
    use = re.compile(r"\b(" + "|".join(re.escape(w) for w in phrases) + r")\b")

    def one(lowered: str) -> str:
        if home.search(lowered):
            return ""
        found = use.search(lowered)
        return NAME_CATEGORY[found.group(1)] if found else ("other" if re.search(NAME_CENTRE, lowered) else "")

    return _per_distinct_name(names, one, object)


#: Words that name student halls of residence (communal establishments: no census households).
HALLS_WORDS = ("college", "halls", "hall of residence", "student", "students", "university")


def halls_name(names) -> np.ndarray:
    """Whether each name says student halls (:data:`HALLS_WORDS`, whole words, any case) [bool]."""
    import re

    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in HALLS_WORDS) + r")\b")
    return _per_distinct_name(names, lambda lowered: bool(pattern.search(lowered)), bool)


#: Ground-floor uses that, in a town centre, usually have homes above (mixed use).
STREET_LEVEL = {"office", "retail", "food_retail", "restaurant", "pub", "clinic"}
#: Landuse values that say what an untagged building is.
LANDUSE_DOMESTIC = {"residential"}
LANDUSE_STREET = {"retail", "commercial"}
LANDUSE_NONDOM = {"industrial": "industrial", "railway": "transport", "military": "public", "depot": "storage",
                  "religious": "worship", "education": "university", "hospitality": "hotel", "cemetery": "worship",
                  "allotments": "storage", "construction": "other"}
USE_GROUPS = ["house_form", "block", "unknown", "mixed", "non_domestic", "ancillary"]
#: Use classes of a building (the store's ENUM and the Categorical labels use this order).
USE_CLASSES = ("domestic", "mixed", "non_domestic", "ancillary", "unknown")
AGE_BANDS = [("pre-1919", 1919), ("1919-1944", 1945), ("1945-1964", 1965), ("1965-1980", 1981),
             ("1981-2002", 2003), ("2003+", 10_000)]
#: Share of the stock in each age band by building kind where the year is unknown. ASSUMED for
#: inner London from the English Housing Survey 2019 dwelling-age profile of London (houses
#: mostly pre-1919; flats spread, purpose-built blocks mostly post-war) and VOA council-tax
#: build periods for Camden (about half of dwellings pre-1919); non-domestic stock from the
#: VOA non-domestic age profile (older in inner London). Labelled imputed wherever used.
AGE_PRIOR = {
    "house": [0.68, 0.12, 0.06, 0.06, 0.05, 0.03],
    "flat": [0.38, 0.10, 0.17, 0.17, 0.09, 0.09],
    "non_domestic": [0.35, 0.10, 0.12, 0.18, 0.15, 0.10],
}


def _lower(values) -> np.ndarray:
    """Lower-case, stripped text per value ('' for missing), vectorised through pandas."""
    text = pd.Series(np.asarray(values, dtype=object), dtype="object")
    return text.where(text.notna(), "").astype(str).str.lower().str.strip().to_numpy(dtype=object)


def _first_value(values: pd.DataFrame) -> np.ndarray:
    """Per row, the first of several tag values that is set ('' when none)."""
    out = np.full(len(values), "", dtype=object)
    for column in values.columns[::-1]:
        v = _lower(values[column])
        out = np.where(v != "", v, out)
    return out


def classify_use(buildings: pd.DataFrame, log: QualityLog | None = None) -> pd.DataFrame:
    """Use class, benchmark category and provenance of every building (see the module docstring).

    Parameters
    ----------
    buildings : pandas.DataFrame
        ``use`` (the ``building`` tag) and, where present, ``building_use``, ``amenity``, ``shop``,
        ``office``, ``tourism``, ``healthcare``, ``leisure``, ``religion``, ``landuse``,
        ``poi_count``, ``levels`` and ``levels_source``, ``footprint_m2`` [m²].
    log : analysis.quality.QualityLog, optional

    Returns
    -------
    pandas.DataFrame
        ``use_class`` (domestic, mixed, non_domestic, ancillary, unknown), ``use_group``
        (house_form, block, unknown, mixed, non_domestic, ancillary), ``use_category`` (benchmark
        class for the non-domestic part, '' for homes), ``use_source``.
    """
    n = len(buildings)
    get = lambda c: _lower(buildings[c]) if c in buildings else np.full(n, "", dtype=object)  # noqa: E731
    tag, building_use = get("use"), get("building_use")
    shop, office = get("shop"), get("office")
    context = _first_value(pd.DataFrame({k: get(k) for k in ("amenity", "tourism", "healthcare", "leisure")}))
    landuse = get("landuse")
    poi = pd.to_numeric(buildings.get("poi_count", pd.Series(0, index=buildings.index)), errors="coerce").fillna(0).to_numpy()
    levels = pd.to_numeric(buildings.get("levels", pd.Series(np.nan, index=buildings.index)), errors="coerce").to_numpy()
    footprint = buildings["footprint_m2"].to_numpy(dtype=float)
    map_cat = lambda v: np.array([CATEGORY.get(x, "") for x in v], dtype=object)  # noqa: E731

    use_class = np.full(n, "unknown", dtype=object)
    group = np.full(n, "unknown", dtype=object)
    category = np.full(n, "", dtype=object)
    source = np.full(n, IMPUTED, dtype=object)

    explicit_dom = np.isin(tag, list(DOMESTIC))
    explicit_anc = np.isin(tag, list(ANCILLARY))
    tag_cat = map_cat(tag)
    explicit_nd = ~explicit_dom & ~explicit_anc & ~np.isin(tag, list(UNKNOWN)) & (tag != "")
    use_class[explicit_dom] = "domestic"
    group[explicit_dom] = np.where(np.isin(tag[explicit_dom], list(HOUSE_FORM)), "house_form",
                                   np.where(np.isin(tag[explicit_dom], list(BLOCK_FORM)), "block", "unknown"))
    use_class[explicit_anc], group[explicit_anc] = "ancillary", "ancillary"
    use_class[explicit_nd], group[explicit_nd] = "non_domestic", "non_domestic"
    category[explicit_nd] = np.where(tag_cat[explicit_nd] != "", tag_cat[explicit_nd], "other")
    source[explicit_dom | explicit_anc | explicit_nd] = OBSERVED

    # Other tags on the footprint: what the ground floor (or the whole building) is used for.
    shop_kind = np.where(shop == "", "", np.where(np.isin(shop, list(CATEGORY)), shop, "shop"))
    side = _first_value(pd.DataFrame({"bu": building_use, "ctx": context, "shop": shop_kind,
                                      "office": np.where(office != "", "office", "")}))
    side_cat = map_cat(side)
    side_dom = np.isin(side, list(DOMESTIC))
    street = np.isin(side_cat, list(STREET_LEVEL)) | (poi > 0)
    single_storey = (levels <= 1) & np.isfinite(levels)
    unknown = use_class == "unknown"
    # building=yes that is a visitor attraction (tourism=yes/attraction, a landmark such as a hall or a
    # club's headquarters): a non-domestic building of no benchmark class, never a block of homes.
    tourism = get("tourism")
    attraction = unknown & (tourism != "") & (tourism != "no") & ~np.isin(tourism, list(CATEGORY)) \
        & ~np.isin(tourism, list(DOMESTIC))
    use_class[attraction], group[attraction], category[attraction] = "non_domestic", "non_domestic", "other"
    source[attraction] = DERIVED
    unknown = use_class == "unknown"
    # building=yes whose name says what it is (a church, a school, a fire station), unless a tag says homes.
    by_name = name_category(buildings["name"]) if "name" in buildings else np.full(n, "", dtype=object)
    named = unknown & (by_name != "") & ~side_dom
    # building=residential named as student halls: a communal establishment, where the census counts no
    # households (Goodenough College's London House had 82 flats of census households).
    halls = (tag == "residential") & ~side_dom & (halls_name(buildings["name"]) if "name" in buildings
                                                  else np.zeros(n, dtype=bool))
    use_class[halls], group[halls], category[halls] = "non_domestic", "non_domestic", "accommodation"
    source[halls] = DERIVED
    use_class[named], group[named], category[named] = "non_domestic", "non_domestic", by_name[named]
    source[named] = DERIVED
    unknown = use_class == "unknown"
    # building=yes with a use tag or shops inside: homes (building:use=apartments), a street-level
    # business with possible homes above (mixed), or a non-domestic building (school, church, …).
    to_dom = unknown & side_dom
    use_class[to_dom], group[to_dom] = "domestic", np.where(np.isin(side[to_dom], list(BLOCK_FORM)), "block", "unknown")
    to_mixed = unknown & ~side_dom & street & ~single_storey
    use_class[to_mixed], group[to_mixed] = "mixed", "mixed"
    category[to_mixed] = np.where(side_cat[to_mixed] != "", side_cat[to_mixed], "retail")
    to_nd = unknown & ~side_dom & ~to_mixed & ((side_cat != "") | street)
    use_class[to_nd], group[to_nd] = "non_domestic", "non_domestic"
    category[to_nd] = np.where(side_cat[to_nd] != "", side_cat[to_nd], "retail")
    source[to_dom | to_mixed | to_nd] = DERIVED
    # Homes tagged with a shop or café on the footprint: mixed.
    dom_street = (use_class == "domestic") & street & (source == OBSERVED)
    use_class[dom_street], group[dom_street] = "mixed", "mixed"
    category[dom_street] = np.where(side_cat[dom_street] != "", side_cat[dom_street], "retail")
    source[dom_street] = DERIVED
    # Non-domestic buildings that say they hold flats (building:use=apartments over a shop).
    nd_homes = (use_class == "non_domestic") & side_dom & np.isin(category, list(STREET_LEVEL))
    use_class[nd_homes], group[nd_homes] = "mixed", "mixed"
    source[nd_homes] = DERIVED

    # Still unknown: the landuse polygon around the building.
    unknown = use_class == "unknown"
    lu_street = unknown & np.isin(landuse, list(LANDUSE_STREET))
    large = footprint >= 500.0  # large footprints in town centres are offices and stores, not shop-houses
    use_class[lu_street & ~large], group[lu_street & ~large] = "mixed", "mixed"
    category[lu_street & ~large] = "retail"
    use_class[lu_street & large], group[lu_street & large] = "non_domestic", "non_domestic"
    category[lu_street & large] = np.where(landuse[lu_street & large] == "retail", "retail", "office")
    lu_nd = unknown & np.isin(landuse, list(LANDUSE_NONDOM))
    use_class[lu_nd], group[lu_nd] = "non_domestic", "non_domestic"
    category[lu_nd] = np.array([LANDUSE_NONDOM[v] for v in landuse[lu_nd]], dtype=object)
    source[lu_street | lu_nd] = DERIVED
    # landuse=residential keeps the building a home candidate (derived); the rest stay unknown.
    lu_dom = unknown & np.isin(landuse, list(LANDUSE_DOMESTIC))
    source[lu_dom] = DERIVED

    out = pd.DataFrame({"use_class": use_class, "use_group": group, "use_category": category, "use_source": source},
                       index=buildings.index)
    if log is not None:
        counts = out["use_source"].value_counts()
        log.record("buildings", "use", records=n, observed=int(counts.get(OBSERVED, 0)) + int(np.sum(
            ~np.isin(tag, list(UNKNOWN)) & ~explicit_dom & ~explicit_anc & ~explicit_nd)),
            parsed=int(counts.get(OBSERVED, 0)), derived=int(counts.get(DERIVED, 0)),
            note=f"{int(np.sum(use_class == 'unknown'))} untagged buildings (building=yes, no other clue) "
                 f"resolved by the homes allocation; {int(named.sum())} untagged buildings non-domestic by their "
                 f"name (a church, a school, a fire station…), {int(halls.sum())} residential ones student halls "
                 f"(communal: no census households)")
    return out


def _neighbour_median(xy_query: np.ndarray, xy_known: np.ndarray, values: np.ndarray, k: int, radius_m: float,
                      exclude_self: bool) -> np.ndarray:
    """Median of ``values`` at the k nearest known points within ``radius_m`` (NaN where none)."""
    import warnings

    from scipy.spatial import cKDTree

    if len(xy_known) == 0 or len(xy_query) == 0:
        return np.full(len(xy_query), np.nan)
    kk = min(k + int(exclude_self), len(xy_known))
    dist, idx = cKDTree(xy_known).query(xy_query, k=kk, distance_upper_bound=radius_m)
    dist, idx = dist.reshape(len(xy_query), kk), idx.reshape(len(xy_query), kk)
    if exclude_self:  # the point itself is its own nearest neighbour
        dist, idx = dist[:, 1:], idx[:, 1:]
    valid = np.isfinite(dist)
    picked = np.where(valid, values[np.where(valid, idx, 0)], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows without neighbours give NaN, as documented
        return np.nanmedian(picked, axis=1) if picked.shape[1] else np.full(len(xy_query), np.nan)


def impute_levels(buildings: pd.DataFrame, use_group, storey_height_m: float = 3.0, log: QualityLog | None = None,
                  k: int = 8, radius_m: float = 150.0, folds: int = 5, seed: int = 0) -> pd.DataFrame:
    """Storeys and height for buildings where neither was mapped (see the module docstring).

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        ``levels``, ``levels_source``, ``height_m``, ``height_source``, ``footprint_m2`` [m²],
        geometry in a metric CRS.
    use_group : array of str
        :data:`USE_GROUPS` value per building (from :func:`classify_use`).
    storey_height_m : float
        Storey height used for heights of imputed storeys [m].
    k, radius_m : int, float
        Neighbours used for the neighbourhood median, and the search radius [m].
    folds : int
        Cross-validation folds for the reported error.

    Returns
    -------
    pandas.DataFrame
        ``levels``, ``levels_low``, ``levels_high`` [storeys], ``levels_source``, ``height_m`` [m],
        ``height_source`` — observed/derived values kept, gaps imputed.
    """
    levels = np.array(pd.to_numeric(buildings["levels"], errors="coerce"), dtype=float)
    height = np.array(pd.to_numeric(buildings["height_m"], errors="coerce"), dtype=float)
    levels_src = buildings["levels_source"].to_numpy(dtype=object).copy()
    height_src = buildings["height_source"].to_numpy(dtype=object).copy()
    group = np.asarray(use_group, dtype=object)
    known = np.isfinite(levels)
    centre = buildings.geometry.representative_point()
    xy = np.column_stack([centre.x.to_numpy(), centre.y.to_numpy()])
    log_fp = np.log(np.maximum(buildings["footprint_m2"].to_numpy(dtype=float), 1.0))
    log_lv = np.log(np.where(known, levels, 1.0))

    def design(rows, neigh):
        g = np.stack([group[rows] == name for name in USE_GROUPS], axis=1).astype(float)
        has = np.isfinite(neigh)
        return np.column_stack([g, log_fp[rows], np.where(has, neigh, 0.0), has.astype(float)])

    low = levels.copy()
    high = levels.copy()
    missing = ~known
    cv_mae = np.nan
    # Neighbours of the same form (houses next to houses, blocks next to blocks, other buildings):
    # a terrace is not as tall as the tower behind it.
    form = np.select([group == "house_form", group == "block"], [0, 1], 2)

    def neighbours(rows, exclude_self):
        out = np.full(len(rows), np.nan)
        for f in range(3):
            q = form[rows] == f
            ref = known & (form == f)
            if ref.sum() < k:  # too few mapped buildings of this form: use all mapped ones
                ref = known
            out[q] = _neighbour_median(xy[rows[q]], xy[ref], log_lv[ref], k, radius_m,
                                       exclude_self=exclude_self and bool((known & (form == f)).sum() >= k))
        return out

    if known.sum() >= 30 and missing.any():
        neigh_known = neighbours(np.flatnonzero(known), exclude_self=True)
        x_known, y_known = design(np.flatnonzero(known), neigh_known), log_lv[known]
        # Out-of-sample residuals (k-fold) give the error and the low/high band honestly.
        fold = np.random.default_rng(seed).integers(0, folds, len(y_known))
        resid = np.empty(len(y_known))
        for f in range(folds):
            train, test = fold != f, fold == f
            coef = np.linalg.lstsq(x_known[train], y_known[train], rcond=None)[0]
            resid[test] = y_known[test] - x_known[test] @ coef
        coef = np.linalg.lstsq(x_known, y_known, rcond=None)[0]
        cv_mae = float(np.mean(np.abs(np.exp(y_known) - np.exp(y_known - resid))))
        q_lo, q_hi = np.quantile(resid, [0.1, 0.9])
        neigh = neighbours(np.flatnonzero(missing), exclude_self=False)
        pred = design(np.flatnonzero(missing), neigh) @ coef
        levels[missing] = np.maximum(np.round(np.exp(pred) * 2) / 2, 1.0)  # to the half storey
        low[missing] = np.maximum(np.exp(pred + q_lo), 1.0)
        high[missing] = np.maximum(np.exp(pred + q_hi), levels[missing])
        low[missing] = np.minimum(low[missing], levels[missing])
    elif missing.any():  # too few mapped storeys to fit: fixed rule by use group, flagged
        rule = {"house_form": 2.0, "block": 5.0, "unknown": 2.0, "mixed": 3.0, "non_domestic": 2.0, "ancillary": 1.0}
        levels[missing] = [rule[g] for g in group[missing]]
        low[missing], high[missing] = np.maximum(levels[missing] - 1, 1.0), levels[missing] + 1
    anc = missing & (group == "ancillary")  # garages and sheds: one storey by definition of the type
    levels[anc], low[anc], high[anc] = 1.0, 1.0, 1.0
    # Train sheds and glasshouses: one floor however tall; their imputed height stays (they shade their
    # neighbours), their floor area does not count storeys they do not have.
    tag = buildings["use"].astype(object).fillna("").astype(str).str.lower().to_numpy() if "use" in buildings \
        else np.full(len(levels), "", dtype=object)
    hall = missing & np.isin(tag, list(HALL_FORMS))
    fill_h = ~np.isfinite(height)
    height[hall & fill_h] = levels[hall & fill_h] * storey_height_m
    height_src[hall & fill_h] = IMPUTED
    levels[hall], low[hall], high[hall] = 1.0, 1.0, 1.0
    levels_src[missing] = IMPUTED
    levels_src[anc | hall] = DERIVED
    fill_h = ~np.isfinite(height)
    height[fill_h] = levels[fill_h] * storey_height_m
    height_src[fill_h] = np.where(levels_src[fill_h] == IMPUTED, IMPUTED, DERIVED)
    if log is not None:
        log.record("buildings", "levels", imputed=int(np.sum(levels_src == IMPUTED)),
                   derived=int((anc | hall).sum()),
                   note=(f"imputed by least squares on log(footprint), use group and the median of the {k} nearest "
                         f"mapped neighbours within {radius_m:.0f} m, fitted on {int(known.sum()):,} mapped buildings; "
                         f"cross-validated mean absolute error {cv_mae:.2f} storeys") if np.isfinite(cv_mae) else
                   "too few mapped storeys to fit a model: fixed storeys by use group")
        log.record("buildings", "height_m", imputed=int(np.sum(height_src == IMPUTED)),
                   note=f"height = storeys x {storey_height_m:g} m where not mapped")
    return pd.DataFrame({"levels": levels, "levels_low": low, "levels_high": high, "levels_source": levels_src,
                         "height_m": height, "height_source": height_src}, index=buildings.index)


def age_bands(year_built, kind, default: str | None = None) -> pd.DataFrame:
    """Age band per building: from the observed year, else the place's ``default`` band, else the
    kind's most common band in inner London (:data:`AGE_PRIOR`) — imputed either way.

    Parameters
    ----------
    year_built : array of float
        Construction year (NaN when unknown).
    kind : array of str
        ``house``, ``flat`` or ``non_domestic`` (keys of :data:`AGE_PRIOR`).
    default : str, optional
        The place's ``default_age_band`` (one of :data:`AGE_BANDS`).

    Returns
    -------
    pandas.DataFrame
        ``age_band`` and ``age_source`` (observed or imputed).
    """
    year = np.asarray(year_built, dtype=float)
    labels = np.array([label for label, _ in AGE_BANDS], dtype=object)
    edges = np.array([upper for _, upper in AGE_BANDS], dtype=float)
    idx = np.clip(np.searchsorted(edges, np.nan_to_num(year, nan=0.0), side="right"), 0, len(labels) - 1)
    modal = {k: labels[int(np.argmax(v))] for k, v in AGE_PRIOR.items()}
    kind = np.asarray(kind, dtype=object)
    imputed = (np.full(len(kind), default, dtype=object) if default else
               np.array([modal.get(k, modal["non_domestic"]) for k in kind], dtype=object))
    missing = ~np.isfinite(year)
    return pd.DataFrame({"age_band": np.where(missing, imputed, labels[idx]),
                         "age_source": np.where(missing, IMPUTED, OBSERVED)})


def complete_provenance(buildings: pd.DataFrame, planes: pd.DataFrame, log: QualityLog | None = None) -> pd.DataFrame:
    """Provenance of the fields that later steps fill, so that every building field has one.

    * ``roof_shape`` — where no ``roof:shape`` was mapped, the roof family the roof step chose
      (:func:`analysis.roofs.plane_potential`): ``derived`` when the rule read observed or derived
      storeys, ``imputed`` when the storeys were imputed themselves.
    * ``floor_source`` — floor areas are footprint × storeys: ``derived`` from observed or derived
      storeys, else ``imputed``.
    * ``dwellings_source`` / ``tenure_source`` of buildings without homes: ``derived`` (none by
      their use or by the allocation of the census homes).
    * ``consents_source`` — ``derived`` where roof owner and tenure are both observed or derived,
      else ``imputed``; ``elec_demand_source`` — ``imputed`` (area mean per home, benchmarks).

    Parameters
    ----------
    buildings : pandas.DataFrame
        The buildings after homes, tenure and roof owners (``levels_source``, ``roof_shape``,
        ``roof_shape_source``, ``dwellings``, ``dwellings_source``, ``tenure_source``,
        ``roof_owner_source``, optional ``elec_demand_kwh``).
    planes : pandas.DataFrame
        Roof planes with ``building_id`` and ``roof_family``.
    log : QualityLog, optional
        Gets the roof-shape and age rows (derived and imputed counts).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``buildings``: ``roof_shape``, ``roof_shape_source``, ``floor_source``,
        ``dwellings_source``, ``tenure_source``, ``consents_source``, ``elec_demand_source``.
    """
    n = len(buildings)
    known = (P_OBSERVED, P_DERIVED)
    storeys_known = np.isin(codes_of(buildings["levels_source"], PROVENANCE, "levels_source"), known)
    shape = buildings["roof_shape"].to_numpy(dtype=object).copy()
    shape_src = (codes_of(buildings["roof_shape_source"], PROVENANCE, "roof_shape_source")
                 if "roof_shape_source" in buildings else np.full(n, -1, dtype=np.int8))
    observed_shape = shape_src == P_OBSERVED
    family = np.full(n, None, dtype=object)
    if "building_row" in planes:  # integer rows from the roof step: no lookup by id
        family[planes["building_row"].to_numpy()] = planes["roof_family"].to_numpy(dtype=object)
    else:
        family = (planes.drop_duplicates("building_id").set_index("building_id")["roof_family"]
                  .reindex(buildings["building_id"].to_numpy()).to_numpy(dtype=object))
    fill = ~observed_shape
    shape[fill] = family[fill]
    shape_src[fill] = np.where(storeys_known[fill], P_DERIVED, P_IMPUTED)
    shape_src[fill & pd.isna(family)] = -1  # no roof plane at all (nothing to describe)
    dwellings = buildings["dwellings"].fillna(0).to_numpy(dtype=float)
    no_homes = dwellings <= 0
    dw_src = codes_of(buildings["dwellings_source"], PROVENANCE, "dwellings_source")
    dw_src[no_homes & (dw_src < 0)] = P_DERIVED
    ten_src = codes_of(buildings["tenure_source"], PROVENANCE, "tenure_source")
    ten_src[no_homes & (ten_src < 0)] = P_DERIVED
    owner_src = codes_of(buildings["roof_owner_source"], PROVENANCE, "roof_owner_source")
    known_owner = np.isin(owner_src, known) & (np.isin(ten_src, known) | no_homes)
    demand = buildings["elec_demand_kwh"].fillna(0).to_numpy(dtype=float) if "elec_demand_kwh" in buildings \
        else np.zeros(n)
    index = buildings.index
    out = pd.DataFrame({
        "roof_shape": text_column(shape, index), "roof_shape_source": labels(shape_src, PROVENANCE),
        "floor_source": labels(np.where(storeys_known, P_DERIVED, P_IMPUTED), PROVENANCE),
        "dwellings_source": labels(dw_src, PROVENANCE), "tenure_source": labels(ten_src, PROVENANCE),
        "consents_source": labels(np.where(known_owner, P_DERIVED, P_IMPUTED), PROVENANCE),
        "elec_demand_source": labels(np.where(demand > 0, P_IMPUTED, -1), PROVENANCE),
    }, index=index)
    if log is not None:
        log.record("buildings", "roof_shape", derived=int(np.sum(fill & (shape_src == P_DERIVED))),
                   imputed=int(np.sum(fill & (shape_src == P_IMPUTED))),
                   note="untagged roofs: flat or pitched by a rule on storeys, use and footprint (derived when the "
                        "storeys were mapped, imputed when they were imputed too)")
        if "age_source" in buildings:
            imputed_age = int(np.sum(buildings["age_source"] == IMPUTED))
            log.record("buildings", "year_built", imputed=imputed_age,
                       note="no construction year mapped: the kind's most common age band is stored (imputed); heat "
                            "demand averages over the kind's age distribution instead of using that one band")
    return out
