people = [("ann", 31), ("bob", 25), ("cy", 31), ("dee", 22)]
print(sorted(people, key=lambda p: p[1]))
print(sorted(people, key=lambda p: (-p[1], p[0])))
print(sorted(people, key=lambda p: p[1], reverse=True))
words = ["banana", "Apple", "cherry", "apple"]
print(sorted(words), sorted(words, key=str.lower if False else (lambda w: w.lower())))
nums = [5, 2, 8, 1]
nums.sort(reverse=True)
print(nums, max(people, key=lambda p: p[1]), min(people, key=lambda p: p[1]))
print(sorted({3: "c", 1: "a", 2: "b"}.items()), sorted([[2, 1], [1, 2], [1, 1]]))
