def check(f):
    try:
        f()
    except Exception as e:
        print(type(e).__name__ + ":", e)

check(lambda: undefined_name)
check(lambda: 1 + "a")
check(lambda: "a" + 1)
check(lambda: [1][5])
check(lambda: {"a": 1}["b"])
check(lambda: None.foo)
check(lambda: 1 / 0)
check(lambda: 1 // 0)
check(lambda: 1 % 0)
check(lambda: 1.0 / 0)
check(lambda: int("abc"))
check(lambda: float("x"))
check(lambda: len(5))
check(lambda: 5())
check(lambda: [].pop())
check(lambda: "abc".index("z"))
check(lambda: [1, 2].index(3))
check(lambda: (1, 2)[9])
check(lambda: "abc"[10])
check(lambda: {}.pop("k"))
check(lambda: iter(5))
check(lambda: next(iter([])))
check(lambda: sorted([1, "a"]))
check(lambda: -"a")
check(lambda: {[1]: 2})
check(lambda: int(None))
check(lambda: "abc".foo())

try:
    raise ValueError("bad value", 42)
except (TypeError, ValueError) as e:
    print("caught", e, e.args, repr(e))

try:
    try:
        raise KeyError("k")
    finally:
        print("finally runs")
except LookupError as e:
    print("lookup", e, repr(e))

def f():
    try:
        return "from try"
    finally:
        print("cleanup")
print(f())

try:
    pass
except Exception:
    print("no")
else:
    print("else branch")

try:
    raise RuntimeError
except RuntimeError as e:
    print("bare class", repr(e), str(e) == "")

try:
    try:
        1 / 0
    except ZeroDivisionError as e:
        raise ValueError("wrapped") from e
except ValueError as e:
    print(e, type(e.__cause__).__name__)

try:
    assert 1 == 2, "math is broken"
except AssertionError as e:
    print("assert:", e)

try:
    raise NotImplementedError("todo")
except RuntimeError as e:
    print("subclass caught:", e)

try:
    try:
        raise TypeError("inner")
    except TypeError:
        raise
except TypeError as e:
    print("reraised", e)
print(isinstance(ValueError("x"), Exception), issubclass(KeyError, LookupError))
