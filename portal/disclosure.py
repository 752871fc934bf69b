"""Small cells: what people who may not see students (inspectors) get instead of a figure
that rests on fewer than ten students. One rule for every page and download."""

SMALL_CELL = 10
HIDDEN = "<10"


def too_small(n):
    """Whether a figure resting on `n` students must be hidden."""
    return n is not None and n < SMALL_CELL


def count(n):
    """A number of students: shown from ten on."""
    return HIDDEN if too_small(n) else n


def share(value, base):
    """A share, mean or median taken over `base` students: shown from ten on."""
    return HIDDEN if too_small(base) else value
