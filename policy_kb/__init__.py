"""Policy knowledge base: the 职称 notices of Baotou and Inner Mongolia as citable clauses.

    from policy_kb.kb import KB
    kb = KB()
    kb.search("送审表要几份")

Build the SQLite file with ``python -m policy_kb build``.
"""

__all__ = ["KB"]


def __getattr__(name):  # lazy, so `import policy_kb` stays cheap
    if name == "KB":
        from .kb import KB
        return KB
    raise AttributeError(name)
