# List, set and dict comprehensions, generator expressions, nested and
# multi-line comprehensions, conditions inside them.

data = list(range(10))

squares = [x * x for x in data]
evens = {x for x in data if x % 2 == 0}
table = {x: str(x) for x in data if x > 5}
total = sum(x for x in data if x > 100)
pairs = [(a, b) for a in range(3) for b in range(a) if b != 1]
nested = [[c for c in row] for row in [[1, 2], [3]]]
multi = [
    x + 1
    for x in data
    if x % 3 == 0
]
empty = [never for never in []]


def in_function(n):
    return [i for i in range(n) if i % 2] or ["none"]


print(len(squares), sorted(evens), table, total, pairs, nested, multi, empty)
print(in_function(5), in_function(1))
