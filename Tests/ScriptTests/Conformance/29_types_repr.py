print([1, [2, [3, []]]], {"a": {"b": {}}}, ((1, 2), (3,)), [None, True, False, 0.5, "s"])
a = [1, 2]
a.append(a)
print(a)
d = {}
d["self"] = d
print(d)
print(repr("quote's"), repr('dq"'), repr("\\"), repr("\x00\x7f"), repr("ünïcode"), repr("\u200b"))
print(str("x"), [str("x")], ("x",), {"x": "y"})
print(type(print), type(lambda: 0).__name__ if False else "fn", print.__name__ if hasattr(print, "__name__") else "")
print(int, float, str, list, dict, tuple, set, bool, type, range, ValueError, Exception)
