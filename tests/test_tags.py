"""Tag parsing: what mappers write is read where sensible; the rest is dropped, never fatal."""

import numpy as np
import pytest

from analysis.ingest import tags as T


@pytest.mark.parametrize("raw, metres", [("12", 12.0), ("12 m", 12.0), ("12m", 12.0), ("1.2e2", 120.0),
                                         ("40 ft", 12.192), ("12'6\"", 3.81), ("3;4", 4.0), ("~10", 10.0),
                                         ("roughly 60m", 60.0), (12.5, 12.5)])
def test_lengths_parsed(raw, metres):
    values, status = T.parse_length_m([raw])
    assert values[0] == pytest.approx(metres, abs=1e-3) and status[0] == T.PARSED


@pytest.mark.parametrize("raw", ["abc", "Unit 3", "0.5", "1000", "-3"])
def test_bad_lengths_dropped_not_raised(raw):
    values, status = T.parse_length_m([raw])
    assert np.isnan(values[0]) and status[0] == T.DROPPED


def test_missing_is_not_dropped():
    values, status = T.parse_length_m([None, "", float("nan")])
    assert np.isnan(values).all() and list(status) == [T.MISSING] * 3


@pytest.mark.parametrize("raw, storeys", [("4", 4.0), ("3.5", 3.5), ("3;4", 4.0), ("3-4", 4.0), ("about 4", 4.0)])
def test_storeys(raw, storeys):
    values, status = T.parse_count([raw])
    assert values[0] == storeys and status[0] == T.PARSED


def test_storeys_out_of_range_and_fractional_flats():
    values, status = T.parse_count(["0", "250", "x"])
    assert np.isnan(values).all() and list(status) == [T.DROPPED] * 3
    flats, status = T.parse_count(["2.5", "12"], allow_fraction=False)
    assert np.isnan(flats[0]) and flats[1] == 12 and status[0] == T.DROPPED


@pytest.mark.parametrize("raw, year", [("1890", 1890), ("c1890", 1890), ("c. 1890", 1890), ("~1890", 1890),
                                       ("1930s", 1935), ("late 19th century", 1885), ("early 20th century", 1915),
                                       ("19th century", 1850), ("C19", 1850), ("1890..1900", 1895),
                                       ("1890-1900", 1895), ("2007-12-08", 2007), ("07/01/2013", 2013),
                                       ("before 1900", 1890), ("1890;1910", 1900)])
def test_years(raw, year):
    values, status = T.parse_year([raw])
    assert values[0] == year and status[0] == T.PARSED


def test_implausible_year_dropped():
    """The mapper's typo that once rejected the whole borough: year 7."""
    values, status = T.parse_year(["7", "3021", "soon"])
    assert np.isnan(values).all() and list(status) == [T.DROPPED] * 3


def test_keywords():
    values, status = T.parse_keyword(["Gabled", "many", None], {"gabled", "flat"})
    assert list(values) == ["gabled", None, None] and list(status) == [T.PARSED, T.DROPPED, T.MISSING]
