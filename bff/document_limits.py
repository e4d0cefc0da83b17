"""What a GraphQL document costs, measured in one pass that is linear in its size.

A fragment may spread another one several times, so a 1 KB document can stand for
millions of fields once every spread is inlined; any walker that re-walks spreads then
does that much work. Here each fragment is costed once (in dependency order, so fragment
chains need no recursion) and reused wherever it is spread. The document is refused when
it has too many fragments, or too many selections, too much depth or too many aliases
once inlined; this runs before any validation rule, so no rule ever sees such a document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    OperationDefinitionNode,
    SelectionSetNode,
)

REFUSED = "QUERY_TOO_COMPLEX"


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    max_depth: int
    max_aliases: int
    max_fragments: int
    max_selections: int


@dataclass(frozen=True, slots=True)
class Cost:
    """Of one selection set with its spreads inlined; depth ignores introspection fields."""

    selections: int = 0
    aliases: int = 0
    depth: int = 0


@dataclass
class DocumentCost:
    fragments: int
    selections: int = 0
    aliases: int = 0
    depths: dict[str, int] = field(default_factory=dict)  # per operation
    visits: int = 0  # selections looked at: at most twice the selections written in the document


def _spreads(selection_set: SelectionSetNode, found: list[str]) -> int:
    """Collect the fragment names spread in a selection set; returns the selections visited."""
    visits = 0
    for selection in selection_set.selections:
        visits += 1
        if isinstance(selection, FragmentSpreadNode):
            found.append(selection.name.value)
        elif selection.selection_set is not None:
            visits += _spreads(selection.selection_set, found)
    return visits


class _Meter:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.costs: dict[str, Cost] = {}
        self.visits = 0

    def cost_fragments(self) -> None:
        """Cost every fragment after the fragments it spreads (iterative depth-first order).

        A spread of an unknown fragment, or one that closes a cycle, costs nothing here:
        validation reports both.
        """
        spreads: dict[str, list[str]] = {}
        for name, definition in self.fragments.items():
            spreads[name] = []
            self.visits += _spreads(definition.selection_set, spreads[name])
        entered: set[str] = set()
        for root in self.fragments:
            if root in entered:
                continue
            entered.add(root)
            stack = [(root, iter(spreads[root]))]
            while stack:
                name, pending = stack[-1]
                child = next(pending, None)
                if child is None:
                    stack.pop()
                    self.costs[name] = self.selection_set(self.fragments[name].selection_set)
                elif child in self.fragments and child not in entered:
                    entered.add(child)
                    stack.append((child, iter(spreads[child])))

    def selection_set(self, selection_set: SelectionSetNode) -> Cost:
        selections = aliases = depth = 0
        for selection in selection_set.selections:
            self.visits += 1
            selections += 1
            if isinstance(selection, FragmentSpreadNode):
                inner = self.costs.get(selection.name.value, Cost())
            elif selection.selection_set is None:
                aliases += isinstance(selection, FieldNode) and selection.alias is not None
                continue
            else:
                inner = self.selection_set(selection.selection_set)
            selections += inner.selections
            aliases += inner.aliases
            if isinstance(selection, FieldNode):
                aliases += selection.alias is not None
                if not selection.name.value.startswith("__"):
                    depth = max(depth, inner.depth + 1)
            else:
                depth = max(depth, inner.depth)
        return Cost(selections, aliases, depth)


def measure(document: DocumentNode) -> DocumentCost:
    """The cost of every operation in the document, each fragment costed once."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    meter = _Meter(fragments)
    meter.cost_fragments()
    result = DocumentCost(fragments=len(fragments))
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            cost = meter.selection_set(definition.selection_set)
            result.selections += cost.selections
            result.aliases += cost.aliases
            result.depths[definition.name.value if definition.name else "anonymous"] = cost.depth
    result.visits = meter.visits
    return result


def refusal(document: DocumentNode, limits: DocumentLimits) -> GraphQLError | None:
    """A typed error when the document is over a limit, else None."""
    fragment_count = sum(isinstance(d, FragmentDefinitionNode) for d in document.definitions)
    if fragment_count > limits.max_fragments:
        return _refused(f"{fragment_count} fragments found. Allowed: {limits.max_fragments}",
                        "GRAPHQL_MAX_FRAGMENTS", limits.max_fragments)
    cost = measure(document)
    if cost.selections > limits.max_selections:
        return _refused(
            f"The document selects {cost.selections} fields and fragments once its fragments are inlined. "
            f"Allowed: {limits.max_selections}",
            "GRAPHQL_MAX_SELECTIONS", limits.max_selections,
        )
    for operation, depth in cost.depths.items():
        if depth > limits.max_depth:
            return _refused(f"'{operation}' exceeds maximum operation depth of {limits.max_depth}",
                            "GRAPHQL_MAX_DEPTH", limits.max_depth)
    if cost.aliases > limits.max_aliases:
        return _refused(f"{cost.aliases} aliases found. Allowed: {limits.max_aliases}",
                        "GRAPHQL_MAX_ALIASES", limits.max_aliases)
    return None


def _refused(message: str, setting: str, limit: int) -> GraphQLError:
    return GraphQLError(message, extensions={"code": REFUSED, "setting": setting, "limit": limit})
