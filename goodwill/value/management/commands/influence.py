"""`goodwill influence EDGES --output OUT.csv`: PageRank of an edge list, no database needed."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from goodwill.analysis import influence
from goodwill.cli_io import parse_file

INFLUENCE_HELP = f"""\
PageRank (damping {influence.DAMPING}, converged until the L1 change between iterations is
below {influence.TOLERANCE:g}) of the graph in EDGES.

EDGES: one edge per line, 'source target' separated by whitespace or a comma, optionally a
third field with a positive weight (then on every line). Lines starting with '#' and blank
lines are skipped. Node ids are kept as written. A pair listed twice is one edge (the last
weight wins), as in a networkx DiGraph (Graph with --undirected) built from the list.
Nodes without out-links spread their rank uniformly, as networkx does.

OUT.csv: columns node,pagerank, highest rank first (ties in order of first appearance);
the ranks sum to 1.
"""


class Command(BaseCommand):
    help = "PageRank of an edge list: `goodwill influence EDGES --output OUT.csv`."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.description = INFLUENCE_HELP
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("edges", metavar="EDGES", type=Path)
        parser.add_argument("--output", required=True, type=Path, metavar="OUT.csv")
        parser.add_argument("--undirected", action="store_true", help="each edge links both ways")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["edges"]
        edges = parse_file(path, influence.parse_edge_list, influence.EdgeListError)
        if edges.node_count == 0:
            raise CommandError(f"{path}: no edges")
        try:
            scores = influence.pagerank_edge_list(edges, undirected=options["undirected"])
        except influence.PageRankNotConverged as exc:
            raise CommandError(str(exc)) from None

        order = np.argsort(-scores, kind="stable").tolist()
        output: Path = options["output"]
        with output.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["node", "pagerank"])
            values = scores.tolist()
            writer.writerows((edges.labels[i], repr(values[i])) for i in order)
        self.stdout.write(f"{edges.node_count} nodes, {edges.source.shape[0]} edges -> {output}")
