"""Small cells: what people who may not see students (inspectors) get instead of a figure
that rests on fewer than ten students. One rule for every page and download."""

SMALL_CELL = 10
HIDDEN = "<10"


def count(n):
    """A number of students: shown from ten on."""
    return HIDDEN if n is not None and n < SMALL_CELL else n


def share(value, base):
    """A share, mean or median taken over `base` students: shown from ten on."""
    return HIDDEN if base < SMALL_CELL else value
