"""A plain Oscar 4.2.1 site, for comparing this shop with what Oscar does out of the box.

Only Oscar's own apps, URLs and templates; the benchmark points it at a copy of
the shop's database, whose schema is Oscar's (our forks add one nullable column).
"""
