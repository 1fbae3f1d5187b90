"""Drug–target–condition networks, built from the named reports of ``queries/`` (tag ``network``).

:func:`build_network` runs five reports — ``network_trials``, ``network_trial_edges``,
``network_drugs``, ``network_drug_target`` and ``network_mesh_ancestors`` — and turns their rows into
a :class:`networkx.MultiDiGraph` whose nodes are drugs, targets, MeSH conditions, trials and sponsors,
and whose edges are

- ``acts_on``: drug → target, with ``action_type``, ``mechanism`` and ``source`` of the claim;
- ``in_trials_for``: drug → condition, with ``trials`` (how many), ``highest_phase``, ``statuses``
  and ``nct_ids`` of the trials that test the drug for the condition;
- ``tests``: trial → drug; ``studies``: trial → condition;
- ``sponsors``: sponsor → trial, with ``role`` (lead sponsor, collaborator).

Edge keys are the kinds. Node ids are CURIEs (``tgdrug:isatuximab``, ``uniprot:P28907``, ``mesh:D006086``,
``clinicaltrials:NCT05873205``, ``tgorg:sanofi``); every node carries ``kind``, ``label``, ``curie``,
``iri``, ``url`` (the page to open: ClinicalTrials.gov, UniProt, MeSH Browser, DrugBank — absent when
there is none) and ``trials`` (how many trials of the network it takes part in).

From a notebook::

    from graph.network import build_network
    from graph.store import open_store
    with open_store("trialgraph-store", create=False) as store:
        net = build_network(store, drug="inolimomab", radius=2)
    net.graph            # a networkx.MultiDiGraph: run any networkx analysis on it
    net.cut              # nodes removed by max_nodes, by kind

Filters: a neighbourhood of ``radius`` steps (edges followed both ways) around a drug, target or
condition; trials by phase, status and sponsor; conditions by MeSH branch (a descriptor and all its
descendants); MeSH roll-up (each condition replaced by its ancestors at a tree depth: depth 2 is
``C15.378``); ``max_nodes`` keeps the most connected nodes and says what it cut.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import networkx as nx

from graph.errors import GraphError
from graph.reports import Parameter, Resolver, run_table
from graph.results import curie
from graph.vocab import MESH_NS, PHASE_PARTS, SCHEMES, TRIAL_NS, UNIPROT_NS

#: Node kinds, in the order legends and counts list them.
NODE_KINDS: tuple[str, ...] = ("drug", "target", "condition", "trial", "sponsor")
#: Edge kinds: (name, source kind, target kind).
EDGE_KINDS: tuple[tuple[str, str, str], ...] = (
    ("acts_on", "drug", "target"),
    ("in_trials_for", "drug", "condition"),
    ("tests", "trial", "drug"),
    ("studies", "trial", "condition"),
    ("sponsors", "sponsor", "trial"),
)
#: The reports the network is built from.
REPORTS = ("network_trials", "network_trial_edges", "network_drugs", "network_drug_target",
           "network_mesh_ancestors")

_MESH_UI = re.compile(r"^[CDQ]\d{6,9}$")
#: Where a drug's skos:exactMatch IRIs point, by the identifier they give.
_XREFS = (("drugbank", "https://bioregistry.io/drugbank:"), ("chembl", "https://bioregistry.io/chembl.compound:"),
          ("mesh", MESH_NS))


# --- helpers -------------------------------------------------------------------------------------


def node_id(iri: str) -> str:
    """The node id of an IRI: its CURIE under trialgraph's prefixes, else the IRI itself.

    >>> node_id("http://id.nlm.nih.gov/mesh/D006086")
    'mesh:D006086'
    >>> node_id("https://example.org/x y")
    'https://example.org/x y'
    """
    short = curie(iri)
    return iri if short.startswith("<") else short


def tree_depth(tree_number: str) -> int:
    """How deep a MeSH tree number sits: ``C15`` is 1, ``C15.378`` is 2.

    >>> tree_depth("C15.378.050")
    3
    """
    return tree_number.count(".") + 1


def in_tree(tree_number: str, branch: str) -> bool:
    """Whether a tree number is ``branch`` or below it.

    >>> in_tree("C15.378.050", "C15.378"), in_tree("C15.3780", "C15.378")
    (True, False)
    """
    return tree_number == branch or tree_number.startswith(branch + ".")


def page_url(kind: str, iri: str, ids: Mapping[str, str] | None = None) -> str | None:
    """The web page a person opens for a node, or ``None`` when there is none.

    >>> page_url("trial", "https://clinicaltrials.gov/study/NCT05873205")
    'https://clinicaltrials.gov/study/NCT05873205'
    >>> page_url("target", "http://purl.uniprot.org/uniprot/P28907")
    'https://www.uniprot.org/uniprotkb/P28907'
    >>> page_url("condition", "http://id.nlm.nih.gov/mesh/D006086")
    'https://meshb.nlm.nih.gov/record/ui?ui=D006086'
    >>> page_url("drug", "https://w3id.org/trialgraph/id/drug/x", {"drugbank": "DB14811", "mesh": "C079843"})
    'https://go.drugbank.com/drugs/DB14811'
    >>> page_url("sponsor", "https://w3id.org/trialgraph/id/org/sanofi") is None
    True
    """
    ids = ids or {}
    if kind == "trial" and iri.startswith(TRIAL_NS):
        return iri
    if kind == "target" and iri.startswith(UNIPROT_NS):
        return "https://www.uniprot.org/uniprotkb/" + iri[len(UNIPROT_NS):]
    if kind == "condition" and iri.startswith(MESH_NS) and _MESH_UI.match(iri[len(MESH_NS):]):
        return "https://meshb.nlm.nih.gov/record/ui?ui=" + iri[len(MESH_NS):]
    if kind == "drug":
        if re.fullmatch(r"DB\d{5}", ids.get("drugbank") or ""):
            return "https://go.drugbank.com/drugs/" + ids["drugbank"]
        if _MESH_UI.match(ids.get("mesh") or ""):
            return "https://meshb.nlm.nih.gov/record/ui?ui=" + ids["mesh"]
        if re.fullmatch(r"CHEMBL\d+", ids.get("chembl") or ""):
            return "https://www.ebi.ac.uk/chembl/compound_report_card/" + ids["chembl"] + "/"
    return None


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [v for v in value if v]


# --- what the reports say --------------------------------------------------------------------------


@dataclass
class _Trial:
    iri: str
    nct: str
    title: str = ""
    phase: str = ""
    rank: float | None = None
    status: str = ""
    drugs: set[str] = field(default_factory=set)
    conditions: dict[str, str] = field(default_factory=dict)  #: descriptor IRI -> label
    #: the broader descriptors the registry lists above the trial's conditions (its own ancestor links)
    registry_ancestors: set[str] = field(default_factory=set)
    sponsors: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  #: org IRI -> roles


@dataclass
class _Data:
    trials: dict[str, _Trial]
    labels: dict[str, str]  #: any node IRI -> label
    drugs: dict[str, dict[str, str]]  #: drug IRI -> {label, drugbank, chembl, mesh}
    claims: dict[str, dict[str, dict[str, set[str]]]]  #: drug -> target -> {action_type, mechanism, source}
    targets: dict[str, dict[str, str]]  #: target IRI -> {symbol, uniprot, name}
    ancestors: dict[str, dict[str, set[str]]]  #: descriptor -> ancestor (itself included) -> tree numbers


def _fetch(store: Any, folder: Path | None) -> _Data:
    def records(name: str) -> list[dict[str, str]]:
        return run_table(store, name, folder=folder).records()

    trials: dict[str, _Trial] = {}
    for row in records("network_trials"):
        trial = trials.setdefault(row["trial"], _Trial(row["trial"], row["nct"]))
        trial.title = trial.title or row["title"]
        rank = float(row["phaseRank"]) if row["phaseRank"] else None
        if row["phase"] and (trial.rank is None or (rank is not None and rank > trial.rank)):
            trial.phase, trial.rank = row["phase"], rank
        trial.status = min(filter(None, (trial.status, row["status"])), default="")
    labels: dict[str, str] = {}
    for row in records("network_trial_edges"):
        trial = trials.get(row["trial"])
        if trial is None:
            continue
        node, relation = row["node"], row["relation"]
        if row["label"]:
            labels.setdefault(node, row["label"])
        if relation == "drug":
            trial.drugs.add(node)
        elif relation == "condition":
            trial.conditions[node] = row["label"]
        elif relation == "condition ancestor":
            trial.registry_ancestors.add(node)
        else:
            trial.sponsors[node].add(relation)
    drugs: dict[str, dict[str, str]] = {}
    for row in records("network_drugs"):
        drug = drugs.setdefault(row["drug"], {"drug": row["drug"], "label": row["label"], "drugbank": "", "chembl": "",
                                              "mesh": ""})
        for key, namespace in _XREFS:
            if row["match"].startswith(namespace):
                found = row["match"][len(namespace):]
                if not drug[key] or (len(found), found) < (len(drug[key]), drug[key]):
                    drug[key] = found  # the shortest, then the first: D016190 before D000016190
    claims: dict[str, dict[str, dict[str, set[str]]]] = defaultdict(dict)
    targets: dict[str, dict[str, str]] = {}
    for row in records("network_drug_target"):
        claim = claims[row["drug"]].setdefault(row["target"], {"action_type": set(), "mechanism": set(), "source": set()})
        for key, column in (("action_type", "actionType"), ("mechanism", "mechanism"), ("source", "source")):
            if row[column]:
                claim[key].add(row[column])
        target = targets.setdefault(row["target"], {"symbol": "", "uniprot": "", "name": ""})
        for key, column in (("symbol", "symbol"), ("uniprot", "uniprot"), ("name", "targetName")):
            if row[column] and (not target[key] or row[column] < target[key]):
                target[key] = row[column]
        drugs.setdefault(row["drug"], {"drug": row["drug"], "label": row["drugLabel"], "drugbank": "", "chembl": "",
                                       "mesh": ""})
    ancestors: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in records("network_mesh_ancestors"):
        tree = ancestors[row["descriptor"]][row["ancestor"]]
        if row["treeNumber"]:
            tree.add(row["treeNumber"])
        if row["ancestorLabel"]:
            labels[row["ancestor"]] = min(labels.get(row["ancestor"], row["ancestorLabel"]), row["ancestorLabel"])
    return _Data(trials, labels, drugs, dict(claims), targets, ancestors)


# --- the result ------------------------------------------------------------------------------------


@dataclass
class NetworkResult:
    """A network and how it was made: the graph, the nodes asked for, the filters, what was cut."""

    graph: nx.MultiDiGraph
    focus: list[str] = field(default_factory=list)  #: node ids of the drugs, targets, conditions asked for
    filters: dict[str, Any] = field(default_factory=dict)  #: the filters, as given
    before_cut: Counter = field(default_factory=Counter)  #: nodes by kind before ``max_nodes``
    cut: Counter = field(default_factory=Counter)  #: nodes removed by ``max_nodes``, by kind
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Nodes by kind, every kind listed."""
        found = Counter(kind for _, kind in self.graph.nodes(data="kind"))
        return {kind: found.get(kind, 0) for kind in NODE_KINDS}

    def edge_counts(self) -> dict[str, int]:
        """Edges by kind, every kind listed."""
        found = Counter(kind for _, _, kind in self.graph.edges(keys=True))
        return {kind: found.get(kind, 0) for kind, _, _ in EDGE_KINDS}

    def summary(self) -> str:
        """One line: ``15 nodes (2 drugs, 2 targets, ...), 22 edges``."""
        parts = ", ".join(f"{n:,} {_plural(kind, n)}" for kind, n in self.counts().items() if n)
        edges = self.graph.number_of_edges()
        return f"{self.graph.number_of_nodes():,} nodes ({parts or 'none'}), {edges:,} edge{'s' if edges != 1 else ''}"

    def cut_message(self) -> str | None:
        """What ``max_nodes`` removed, or ``None`` when nothing was cut."""
        removed = sum(self.cut.values())
        if not removed:
            return None
        kept = self.graph.number_of_nodes()
        parts = ", ".join(f"{self.cut[k]:,} {_plural(k, self.cut[k])}" for k in NODE_KINDS if self.cut.get(k))
        return (f"kept the {kept:,} most connected nodes of {kept + removed:,}; cut {removed:,} ({parts}) — "
                "--max-nodes N to keep more, or narrow with --drug/--target/--condition and --radius")

    def title(self) -> str:
        """A title naming what was asked for."""
        if self.focus:
            names = [str(self.graph.nodes[n].get("label", n)) for n in self.focus if n in self.graph]
            text = "Network around " + ", ".join(names)
        else:
            text = "Drug–target–condition network"
        extra = [f"{key.replace('_', ' ')} {', '.join(map(str, v)) if isinstance(v, list) else v}"
                 for key, v in self.filters.items()
                 if v not in (None, [], "") and key not in ("drug", "target", "condition", "max_nodes")]
        return text + (f" ({'; '.join(extra)})" if extra else "")


def _plural(kind: str, n: int) -> str:
    return kind if n == 1 else kind + "s"


# --- building --------------------------------------------------------------------------------------


def _param(name: str) -> Parameter:
    return Parameter(name=name, variable=f"_{name}_iri", required=True, kind="iri")


def _codes(resolver: Resolver, scheme: str, values: Sequence[str]) -> set[str]:
    by_iri = {SCHEMES[scheme].concept(code): code for code in SCHEMES[scheme].codes}
    out = set()
    for value in values:
        text = re.sub(r"(?i)^phase\s+", "PHASE", value.strip()) if scheme == "phase" else value
        iri = resolver.resolve(_param(scheme), text).value
        if iri not in by_iri:
            raise GraphError(f"{scheme} {value!r}: not a code of {SCHEMES[scheme].name} — expected one of "
                             + ", ".join(SCHEMES[scheme].codes))
        out.add(by_iri[iri])
    return out


def _phase_matches(phase: str, wanted: set[str]) -> bool:
    return phase in wanted or any(part in wanted for part in PHASE_PARTS.get(phase, ()))


def build_network(
    store: Any,
    *,
    drug: str | Sequence[str] | None = None,
    target: str | Sequence[str] | None = None,
    condition: str | Sequence[str] | None = None,
    radius: int = 2,
    phases: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    sponsor: str | Sequence[str] | None = None,
    mesh_branch: str | None = None,
    rollup_depth: int | None = None,
    max_nodes: int | None = None,
    tested_only: bool = False,
    folder: Path | None = None,
) -> NetworkResult:
    """The drug–target–condition network of a store, filtered; see the module's documentation.

    Names are resolved as the reports resolve them: a ``drug`` by name, brand, code or synonym; a
    ``target`` as CD38, P28907, uniprot:P28907 or an IRI; a ``condition`` or ``mesh_branch`` as a MeSH
    UI, CURIE, label or entry term; ``phases`` and ``statuses`` as registry codes (``PHASE2``,
    ``phase 2``, ``RECRUITING``); a ``sponsor`` by name. A combined phase (PHASE1/PHASE2) matches
    each of its parts.

    Without trial filters (phase, status, sponsor, MeSH branch) every drug with a target claim is in
    the network, tested or not (``tested_only=True`` keeps only drugs a trial tests); with any of
    them, only what the matching trials reach. Raises :class:`GraphError` for a name that resolves to
    nothing or to something the filtered network does not hold.
    """
    if radius < 0:
        raise GraphError(f"radius {radius}: expected 0 or more")
    if rollup_depth is not None and rollup_depth < 1:
        raise GraphError(f"roll-up depth {rollup_depth}: expected 1 or more (1 is a MeSH category such as C15)")
    if max_nodes is not None and max_nodes < 1:
        raise GraphError(f"max nodes {max_nodes}: expected 1 or more")
    resolver = Resolver(store)
    data = _fetch(store, folder)
    filters: dict[str, Any] = {
        "drug": _as_list(drug), "target": _as_list(target), "condition": _as_list(condition),
        "radius": radius if (drug or target or condition) else None, "phase": _as_list(phases),
        "status": _as_list(statuses), "sponsor": _as_list(sponsor), "mesh_branch": mesh_branch,
        "rollup_depth": rollup_depth, "max_nodes": max_nodes,
    }

    # Trials that pass the trial filters.
    kept = dict(data.trials)
    if filters["phase"]:
        wanted = _codes(resolver, "phase", filters["phase"])
        kept = {i: t for i, t in kept.items() if _phase_matches(t.phase, wanted)}
    if filters["status"]:
        wanted = _codes(resolver, "status", filters["status"])
        kept = {i: t for i, t in kept.items() if t.status in wanted}
    if filters["sponsor"]:
        orgs = {resolver.resolve(_param("sponsor"), s).value for s in filters["sponsor"]}
        kept = {i: t for i, t in kept.items() if orgs & set(t.sponsors)}
    branch_iri, branch_trees = None, set()
    if mesh_branch:
        branch_iri = resolver.resolve(_param("condition"), mesh_branch).value
        branch_trees = {tn for anc in data.ancestors.values() for tn in anc.get(branch_iri, ())}
        # in the branch by the store's MeSH tree, or by the registry's own ancestor links
        kept = {i: t for i, t in kept.items()
                if branch_iri in t.registry_ancestors or any(branch_iri in data.ancestors.get(c, {}) for c in t.conditions)}
    trial_filtered = bool(filters["phase"] or filters["status"] or filters["sponsor"] or mesh_branch)

    def placed(descriptor: str) -> bool:
        """Whether the store's MeSH tree knows where a descriptor sits (it has tree numbers)."""
        return any(data.ancestors.get(descriptor, {}).values())

    # Conditions: in the branch, rolled up. A condition the store's MeSH tree does not place is in
    # the branch when the registry's ancestors of its trial are.
    def conditions_of(descriptor: str, trial: _Trial | None = None) -> list[str]:
        if branch_iri and branch_iri not in data.ancestors.get(descriptor, {}) and not (
                trial is not None and branch_iri in trial.registry_ancestors and not placed(descriptor)):
            return []
        if rollup_depth is None:
            return [descriptor]
        return _rollup(descriptor, data.ancestors.get(descriptor, {}), rollup_depth, branch_trees)

    graph = nx.MultiDiGraph()
    trials_of: dict[str, set[str]] = defaultdict(set)  # node IRI -> trial IRIs

    def add_node(iri: str, kind: str, label: str, **attrs: Any) -> str:
        nid = node_id(iri)
        if nid not in graph:
            info = {"kind": kind, "label": label or nid, "curie": curie(iri) if not curie(iri).startswith("<") else "",
                    "iri": iri}
            url = page_url(kind, iri, attrs.pop("ids", None))
            if url:
                info["url"] = url
            info.update({k: v for k, v in attrs.items() if v not in (None, "", [])})
            graph.add_node(nid, **info)
        return nid

    def add_drug(iri: str) -> str:
        row = data.drugs.get(iri, {})
        ids = {k: row.get(k, "") for k in ("drugbank", "chembl", "mesh")}
        return add_node(iri, "drug", row.get("label") or data.labels.get(iri, ""), ids=ids,
                        drugbank=ids["drugbank"], chembl=ids["chembl"], mesh=ids["mesh"])

    def add_target(iri: str) -> str:
        info = data.targets.get(iri, {})
        return add_node(iri, "target", info.get("symbol") or info.get("uniprot") or data.labels.get(iri, ""),
                        symbol=info.get("symbol"), uniprot=info.get("uniprot"), protein=info.get("name"))

    def add_condition(iri: str) -> str:
        trees = sorted(data.ancestors.get(iri, {}).get(iri, set()))
        if not trees:  # a roll-up ancestor: its tree numbers are listed under its descendants
            trees = sorted({tn for anc in data.ancestors.values() for tn in anc.get(iri, ())})
        ui = iri[len(MESH_NS):] if iri.startswith(MESH_NS) else ""
        return add_node(iri, "condition", data.labels.get(iri, "") or ui, mesh=ui, tree_numbers=trees)

    pair: dict[tuple[str, str], list[_Trial]] = defaultdict(list)  # (drug id, condition id) -> trials
    rolled: dict[str, set[str]] = defaultdict(set)  # condition node -> descriptors it stands for
    for iri in sorted(kept):
        trial = kept[iri]
        conditions = sorted({c for d in trial.conditions for c in conditions_of(d, trial)})
        for d in trial.conditions:
            for c in conditions_of(d, trial):
                rolled[c].add(d)
        t = add_node(iri, "trial", trial.nct, nct=trial.nct, title=trial.title, phase=trial.phase,
                     phase_rank=trial.rank, status=trial.status)
        trials_of[iri].add(iri)
        drug_ids = []
        for d in sorted(trial.drugs):
            drug_ids.append(add_drug(d))
            graph.add_edge(t, drug_ids[-1], key="tests", kind="tests")
            trials_of[d].add(iri)
        for c in conditions:
            cid = add_condition(c)
            graph.add_edge(t, cid, key="studies", kind="studies")
            trials_of[c].add(iri)
            for did in drug_ids:
                pair[(did, cid)].append(trial)
        for org, roles in sorted(trial.sponsors.items()):
            sid = add_node(org, "sponsor", data.labels.get(org, ""))
            graph.add_edge(sid, t, key="sponsors", kind="sponsors", role=", ".join(sorted(roles, key=_role_order)))
            trials_of[org].add(iri)
    for (did, cid), trials in sorted(pair.items()):
        ranked = [t for t in trials if t.rank is not None]
        top = max(ranked, key=lambda t: (t.rank, t.phase)).phase if ranked else ""
        graph.add_edge(did, cid, key="in_trials_for", kind="in_trials_for", trials=len(trials), highest_phase=top,
                       statuses=sorted({t.status for t in trials if t.status}), nct_ids=sorted(t.nct for t in trials))
    tested = {graph.nodes[n]["iri"] for n, k in graph.nodes(data="kind") if k == "drug"}
    with_claims = tested if (trial_filtered or tested_only) else tested | set(data.claims)
    for d in sorted(with_claims):
        for t_iri, claim in sorted(data.claims.get(d, {}).items()):
            did, tid = add_drug(d), add_target(t_iri)
            graph.add_edge(did, tid, key="acts_on", kind="acts_on",
                           **{k: " | ".join(sorted(v)) for k, v in claim.items() if v})
            trials_of[t_iri] |= trials_of[d]
    for nid, iri in graph.nodes(data="iri"):
        graph.nodes[nid]["trials"] = len(trials_of.get(iri, ()))
        if rollup_depth is not None and graph.nodes[nid]["kind"] == "condition":
            graph.nodes[nid]["includes"] = sorted(node_id(d) for d in rolled.get(iri, ()))

    result = NetworkResult(graph=graph, filters=filters)
    if trial_filtered and not kept:
        result.notes.append("no trial matches the filters")

    # Neighbourhood around the nodes asked for.
    focus: list[str] = []
    for kind, values in (("drug", filters["drug"]), ("target", filters["target"]), ("condition", filters["condition"])):
        for value in values:
            iri = resolver.resolve(_param(kind), value).value
            ids = [node_id(c) for c in conditions_of(iri)] if kind == "condition" else [node_id(iri)]
            if kind == "condition" and not ids:
                raise GraphError(f"condition {value!r} ({node_id(iri)}) is outside the MeSH branch {mesh_branch!r}")
            missing = [n for n in ids if n not in graph]
            if missing:
                why = "no trial matching the filters reaches it" if trial_filtered else "no drug trial or target claim reaches it"
                if kind == "condition":
                    why += " (--mesh-branch takes a descriptor with all its descendants)"
                raise GraphError(f"{kind} {value!r} ({missing[0]}) is not in the network — {why}")
            focus.extend(n for n in ids if n not in focus)
    result.focus = focus
    if focus:
        undirected = graph.to_undirected(as_view=True)
        near: set[str] = set()
        for n in focus:
            near |= set(nx.single_source_shortest_path_length(undirected, n, cutoff=radius))
        result.graph = graph = graph.subgraph(sorted(near)).copy()

    # Keep the most connected nodes.
    result.before_cut = Counter(kind for _, kind in graph.nodes(data="kind"))
    if max_nodes is not None and graph.number_of_nodes() > max_nodes:
        degree = dict(graph.degree())
        order = sorted(graph.nodes, key=lambda n: (n not in focus, -degree[n], NODE_KINDS.index(graph.nodes[n]["kind"]), n))
        keep = set(order[:max_nodes])
        result.cut = Counter(graph.nodes[n]["kind"] for n in order[max_nodes:])
        result.graph = graph.subgraph(sorted(keep)).copy()
    result.graph = _sorted_copy(result.graph)
    result.graph.graph.update({"name": result.title(), "tool": "trialgraph"})
    return result


def _role_order(role: str) -> tuple[int, str]:
    return (0 if role == "lead sponsor" else 1, role)


def _rollup(descriptor: str, ancestors: Mapping[str, set[str]], depth: int, branch_trees: set[str]) -> list[str]:
    """The ancestors of a descriptor at a tree depth: one per tree number of the descriptor (within the
    branch when one is given). A tree number not as deep as ``depth`` keeps the descriptor itself; an
    ancestor missing from the store is replaced by the nearest one below it that is there."""
    own = sorted(ancestors.get(descriptor, ()))
    if branch_trees:
        own = [tn for tn in own if any(in_tree(tn, b) for b in branch_trees)] or own
    holder = {tn: a for a, trees in ancestors.items() for tn in trees}
    out: set[str] = set()
    for tn in own:
        parts = tn.split(".")
        if len(parts) <= depth:
            out.add(descriptor)
            continue
        for d in range(depth, len(parts) + 1):
            prefix = ".".join(parts[:d])
            if prefix in holder:
                out.add(holder[prefix])
                break
    return sorted(out) or [descriptor]


def _sorted_copy(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The same graph with nodes and edges inserted in sorted order, so every output is stable."""
    out = nx.MultiDiGraph()
    out.graph.update(graph.graph)
    for n in sorted(graph.nodes):
        out.add_node(n, **graph.nodes[n])
    for u, v, k, attrs in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        out.add_edge(u, v, key=k, **attrs)
    return out


# --- analysis --------------------------------------------------------------------------------------

#: Above this many nodes, betweenness is estimated from a sample of source nodes.
EXACT_BETWEENNESS = 500
BETWEENNESS_SAMPLE = 300


def analyse(result: NetworkResult | nx.MultiDiGraph, *, top: int = 10) -> dict[str, Any]:
    """Counts by kind, connected components, the most connected and the most between nodes, and the
    drugs that share a target — as plain data (the ``--stats`` of ``trialgraph network``)."""
    graph = result.graph if isinstance(result, NetworkResult) else result
    net = result if isinstance(result, NetworkResult) else NetworkResult(graph=graph)
    simple = nx.Graph(graph.to_undirected(as_view=True))
    components = sorted((len(c) for c in nx.connected_components(simple)), reverse=True)

    def describe(n: str, value: float) -> dict[str, Any]:
        attrs = graph.nodes[n]
        return {"id": n, "label": attrs.get("label", n), "kind": attrs.get("kind", ""), "value": value}

    degree = sorted(simple.degree(), key=lambda kv: (-kv[1], kv[0]))[:top]
    n = simple.number_of_nodes()
    if n > EXACT_BETWEENNESS:
        betweenness = nx.betweenness_centrality(simple, k=BETWEENNESS_SAMPLE, seed=42)
        method = f"estimated from {BETWEENNESS_SAMPLE} sampled sources ({n:,} nodes)"
    else:
        betweenness = nx.betweenness_centrality(simple) if n else {}
        method = "exact"
    between = sorted(betweenness.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    by_target: dict[str, list[str]] = defaultdict(list)
    for u, v, k in graph.edges(keys=True):
        if k == "acts_on":
            by_target[v].append(u)
    shared = []
    for t in sorted(by_target):
        drugs = sorted(set(by_target[t]), key=lambda d: (graph.nodes[d].get("label", d).lower(), d))
        for a, b in itertools.combinations(drugs, 2):
            shared.append({"target": t, "target_label": graph.nodes[t].get("label", t), "drug1": a,
                           "drug1_label": graph.nodes[a].get("label", a), "drug2": b,
                           "drug2_label": graph.nodes[b].get("label", b)})
    return {
        "title": net.title(),
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "nodes_by_kind": net.counts(),
        "edges_by_kind": net.edge_counts(),
        "components": {"count": len(components), "largest": components[:top],
                       "isolated_nodes": sum(1 for c in components if c == 1)},
        "top_degree": [describe(node, d) for node, d in degree],
        "top_betweenness": [describe(node, round(b, 6)) for node, b in between if b > 0],
        "betweenness_method": method,
        "drugs_sharing_a_target": shared,
        "cut": {k: net.cut[k] for k in NODE_KINDS if net.cut.get(k)},
        "filters": {k: v for k, v in net.filters.items() if v not in (None, [], "")},
    }


def stats_text(stats: Mapping[str, Any], *, limit: int = 30) -> str:
    """The analysis as text for a terminal."""
    out = [stats["title"], ""]
    out.append(f"nodes  {stats['nodes']:>8,}   " + "  ".join(f"{k} {v:,}" for k, v in stats["nodes_by_kind"].items()))
    out.append(f"edges  {stats['edges']:>8,}   " + "  ".join(f"{k} {v:,}" for k, v in stats["edges_by_kind"].items()))
    comp = stats["components"]
    sizes = ", ".join(f"{s:,}" for s in comp["largest"])
    out.append(f"connected components {comp['count']:,} (largest: {sizes or 'none'}; isolated nodes {comp['isolated_nodes']:,})")
    if stats["cut"]:
        out.append("cut by --max-nodes: " + ", ".join(f"{v:,} {_plural(k, v)}" for k, v in stats["cut"].items()))

    def table(title: str, rows: list[dict[str, Any]], fmt: str) -> None:
        out.extend(["", title])
        if not rows:
            out.append("  (none)")
        width = max((len(r["label"]) for r in rows), default=0)
        width = min(width, 48)
        for r in rows:
            label = r["label"] if len(r["label"]) <= 48 else r["label"][:47] + "…"
            out.append(f"  {label.ljust(width)}  {r['kind']:<9}  {format(r['value'], fmt):>9}  {r['id']}")

    table("most connected (degree)", stats["top_degree"], "d")
    table(f"most between (betweenness centrality, {stats['betweenness_method']})", stats["top_betweenness"], ".4f")
    shared = stats["drugs_sharing_a_target"]
    out.extend(["", f"drugs sharing a target ({len(shared):,} pairs)"])
    for pair_ in shared[:limit]:
        out.append(f"  {pair_['target_label']}: {pair_['drug1_label']} + {pair_['drug2_label']}")
    if len(shared) > limit:
        out.append(f"  … and {len(shared) - limit:,} more (--format json lists them all)")
    if not shared:
        out.append("  (none)")
    return "\n".join(out) + "\n"
