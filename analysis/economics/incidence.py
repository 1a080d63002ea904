"""Who finally gets each £: the parties of the ledger and where each lands.

Every flow of the money model is booked to one party (:class:`analysis.economics.kernel.Ledger`).
Each party lands on exactly one of three places:

* ``households`` — people living in the place, by income decile, occupant tenure and dwelling
  type (house or flat). Owner-occupiers and leaseholders are households;
* ``public`` — a public purse, named: the Treasury, social landlords' rent accounts (council
  housing revenue accounts and housing associations), or public bodies (councils' general
  funds, schools, NHS, universities, rail, museums);
* ``outside`` — named parties outside the place's households and purses: landlords of privately
  rented homes (taken to live elsewhere), businesses, faith and community organisations,
  investors (a rent-a-roof company, a heat ESCO, lenders), electricity suppliers, network
  owners, and bill payers elsewhere (the rest of the country's bill payers, who share the costs
  recovered through bills when the place buys less power or gas).

Intermediaries do not keep money. A **freeholder** of a block of flats recharges roof works
through service charges and credits what the panels earn to the service-charge account, so its
flows pass through to its leaseholders, flat by flat (Landlord and Tenant Act 1985 ss. 18-30);
a **co-operative's** surplus after member interest goes to its community fund, which spends it
on households by a stated rule; a **public energy company's** surplus is returned to households
by a stated rule (equal, or progressive). Those rules live in :mod:`analysis.economics.kernel`.
"""

from __future__ import annotations

from dataclasses import dataclass

LANDS_ON = ("households", "public", "outside")


@dataclass(frozen=True)
class Party:
    """One party of the ledger."""

    name: str
    label: str
    lands_on: str
    whose: str


PARTY_LIST = (
    Party("households", "Households", "households",
          "households of the place: occupants, owner-occupiers, leaseholders (by decile, tenure, house or flat)"),
    Party("coop_members", "Co-op members", "households",
          "households holding a co-operative's shares: interest above the public borrowing rate"),
    Party("treasury", "Treasury", "public", "HM Treasury (central government): VAT, grants, interest on compensation"),
    Party("housing_revenue_account", "Social landlords' rent accounts", "public",
          "council housing revenue accounts and housing associations (rents fund them; tenants' rents do not change)"),
    Party("public_bodies", "Public bodies", "public",
          "councils' general funds, schools, NHS, universities, rail and museums that own or occupy a roof"),
    Party("private_landlords", "Private landlords", "outside",
          "landlords of privately rented homes and flats, taken to live outside the place"),
    Party("businesses", "Businesses", "outside", "owners and occupiers of commercial space"),
    Party("faith_communities", "Faith and community organisations", "outside", "owners of places of worship"),
    Party("aggregator", "Rent-a-roof company", "outside", "shareholders of an investor-owned rent-a-roof company"),
    Party("esco", "Heat ESCO", "outside", "shareholders of an investor-owned heat network company"),
    Party("capital_providers", "Lenders and shareholders", "outside",
          "whoever finances an owner: the return above the public borrowing rate"),
    Party("suppliers", "Electricity suppliers", "outside",
          "suppliers' shareholders: the spread on exported power, the supply margin"),
    Party("network_owners", "Network owners", "outside", "shareholders of the electricity networks"),
    Party("bill_payers_elsewhere", "Bill payers elsewhere", "outside",
          "households and businesses outside the place that share the costs recovered through energy bills "
          "(networks, policy levies, supplier costs; the gas network's standing charges)"),
)
PARTIES = {p.name: p for p in PARTY_LIST}
#: Parties whose money is booked to households by decile, tenure and dwelling type.
HOUSEHOLD_PARTIES = tuple(p.name for p in PARTY_LIST if p.lands_on == "households")
#: Parties that never invest at a loss (an outside investor builds only where it pays, or is paid
#: a visible grant that makes it pay). Checked by the tests for every scenario, cell and draw.
OUTSIDE_INVESTORS = ("private_landlords", "businesses", "faith_communities", "aggregator", "esco")


def lands_on(party: str) -> str:
    """``households``, ``public`` or ``outside`` for a party name."""
    return PARTIES[party].lands_on
