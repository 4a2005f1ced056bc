# Returns shared by several paths: the implicit `return None` after an
# if/else whose last arm ends in its own return, and a while/else.
def loop_or_return(xs, c):
    if c:
        for x in xs:
            pass
    else:
        y = 2
        return y


def while_else(c):
    while c:
        c -= 1
    else:
        z = 3
    return z


def early(v):
    if v > 1:
        return "big"
    if v < 0:
        return "negative"


loop_or_return([1], True)
while_else(0)
while_else(2)
early(5)
early(0)
print("done")
