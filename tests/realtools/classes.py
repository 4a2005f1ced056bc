# Classes: class bodies, methods, properties, inheritance and super,
# class-level conditionals, dunder methods, class decorators.
import sys


def register(cls):
    cls.registered = True
    return cls


class Base:
    kind = "base"

    def __init__(self, v):
        self.v = v

    def describe(self):
        return "%s:%s" % (self.kind, self.v)

    @property
    def doubled(self):
        return self.v * 2

    @staticmethod
    def helper():
        return "static"

    def unused(self):
        return "never"


@register
class Child(Base):
    kind = "child"
    if sys.version_info >= (3, 0):
        modern = True
    else:
        modern = False

    def describe(self):
        base = super().describe()
        return base + "!"

    def __eq__(self, other):
        return isinstance(other, Child) and other.v == self.v

    __hash__ = None


class Empty: pass


class WithSlots:
    __slots__ = ("a",)
    def __init__(self): self.a = 1


c = Child(3)
print(c.describe(), c.doubled, Base.helper(), c == Child(3), c == 3)
print(Child.registered, Child.modern, type(Empty()).__name__, WithSlots().a)
