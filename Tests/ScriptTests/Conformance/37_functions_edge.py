def outer():
    a = 1
    def mid():
        nonlocal a
        a += 1
        def inner():
            nonlocal a
            a *= 10
            return a
        return inner()
    return mid(), a
print(outer())
def f(x, y=[]):
    y.append(x)
    return y
print(f(1), f(2))
def g():
    try:
        return 1
    finally:
        return 2
print(g())
def h():
    for i in range(5):
        try:
            continue
        finally:
            if i == 3:
                return "ret in finally at 3"
print(h())
def cm():
    out = []
    for i in range(3):
        try:
            if i == 1:
                raise ValueError(i)
            out.append(i)
        except ValueError as e:
            out.append(("err", e.args[0]))
    return out
print(cm())
try:
    e
except NameError as ex:
    print("e deleted after except:", ex)
fns = {}
for name in ["a", "b"]:
    fns[name] = lambda name=name: name.upper()
print(fns["a"](), fns["b"]())
print((lambda x, *r, k=3, **kw: (x, r, k, kw))(1, 2, 3, z=4))
def varargs(*args, **kwargs):
    return len(args), sorted(kwargs)
print(varargs(), varargs(1, *[2, 3], **{"q": 1}, w=2))
try:
    varargs(1, q=1, **{"q": 2})
except TypeError as err:
    print("TypeError", err)
def req(a, b, *, c):
    return a
for call in [lambda: req(1), lambda: req(1, 2), lambda: req(1, 2, 3, c=1), lambda: req(1, 2, c=3, d=4), lambda: req(1, a=1, b=2, c=3)]:
    try:
        call()
    except TypeError as err:
        print(err)
print("-" * -1 == "", [0] * -5)
a = list(range(10))
a[::3] = ["x", "y", "z", "w"]
print(a)
try:
    a[::3] = [1]
except ValueError as err:
    print(err)
i = 0
while i < 10:
    i += 1
    if i == 4:
        break
else:
    print("no")
print(i)
x = 5
def shadow():
    x = 1
    def inner():
        return x
    return inner()
print(shadow(), x)
print(sum([1, 2, 3], 10), "".join(reversed("abc")), "%.3s" % "abcdef")
nums = [1, 2, 3]
print([n for n in nums if n != 2], {n: None for n in nums}, [[n] * n for n in nums])
assert True, "never"
print(type(ZeroDivisionError()), ZeroDivisionError.__name__, KeyError("x").args)
print(repr(ValueError()), str(ValueError()), repr(ValueError(1, 2)), str(KeyError()))
