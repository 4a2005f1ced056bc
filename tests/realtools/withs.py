# with statements: normal exit, exception suppressed, exception escaping,
# multiple managers, nested, return from inside.


class CM:
    def __init__(self, name, suppress=False):
        self.name = name
        self.suppress = suppress

    def __enter__(self):
        return self.name

    def __exit__(self, typ, val, tb):
        if typ is not None and self.suppress:
            return True
        return False


def normal():
    with CM("a") as a:
        x = a * 2
    return x


def suppressed():
    with CM("b", suppress=True):
        raise ValueError("swallowed")
    return "after"


def escaping():
    try:
        with CM("c"):
            raise KeyError("out")
    except KeyError:
        return "caught outside"


def multi():
    with CM("d") as d, CM("e") as e:
        y = d + e
    return y


def nested_return():
    with CM("f") as f:
        with CM("g") as g:
            if f:
                return f + g
    return "unreachable"


print(normal(), suppressed(), escaping(), multi(), nested_return())
