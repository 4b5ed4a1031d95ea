r"""The global AI talent market, from public research records (notebook 08).

Research records (conference author lists, OpenAlex authorships, rosters) are read through a
mapping file (:func:`talentkit.data.research.read_research`, here :func:`read`); their
affiliation strings are resolved to institutions by stated rules, every merge in a reviewable
alias table (:mod:`talentkit.data.institutions`). Everything here reads the one model,
:class:`~talentkit.data.research.ResearchRecords`.

- **Where the talent is** (:func:`talent_by`, :func:`talent_over_years`, :func:`growth`,
  :func:`concentration`): people by institution, country, sector and year, with Poisson and
  Wilson intervals, the top-10 share and the HHI.
- **How it moves** (:func:`moves`, :func:`flow_matrix`, :func:`net_gain`,
  :func:`ambiguity`): a move is a change of resolved institution between two years with
  records, dated by the later; flows of fewer than ``min_group`` people are hidden with
  complements.
- **The institution network** (:func:`institution_ties`, :func:`ties_of`,
  :func:`institution_network`): co-authorship ties of :math:`1/(n-1)` a work, communities and brokers.
- **Where we stand** (:func:`standing`, :func:`newcomers`, :func:`partners`): the company's
  share and rank with intervals, where newcomers came from, partnership candidates.

Researchers are counted, never listed: no table holds a name or a person's number. The
private modules, one concern each: ``_presence``, ``_moves``, ``_ties``, ``_standing``.
"""

from ..data.research import ResearchMapping, ResearchRecords, read_research
from ._moves import ambiguity, ambiguous_people, flow_matrix, main_institutions, moves, net_gain
from ._presence import TOP, chosen_year, concentration, growth, latest_year, talent_by, talent_over_years
from ._standing import newcomers, partners, resolve_hires, resolve_name, resolve_names, standing
from ._ties import institution_network, institution_ties, ties_of

read = read_research

__all__ = ["TOP", "ResearchMapping", "ResearchRecords", "ambiguity", "ambiguous_people", "chosen_year", "concentration",
           "flow_matrix", "growth", "institution_network", "institution_ties", "latest_year", "main_institutions",
           "moves", "net_gain", "newcomers", "partners", "read", "read_research", "resolve_hires", "resolve_name",
           "resolve_names", "standing", "talent_by", "talent_over_years", "ties_of"]
