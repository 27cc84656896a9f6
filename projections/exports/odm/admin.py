"""ODM AdminData: the users and locations that clinical data refers to, and signature meanings.

Users come from the account events (name, role, site; never a password hash) plus anyone else
who appears as an actor (the system account). The directory records every user and location an
AuditRecord or Signature refers to while clinical data is written, so AdminData, written
first in the file, defines each of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from eventsourcing.utils import get_topic

from domain.protocol import SITES, STUDY_OID
from domain.roles import SITE_ROLES, Role
from domain.user import User
from projections.exports.odm.names import MDV_OID, location_oid, signature_oid, user_oid
from projections.exports.odm.xml import XmlOut
from projections.exports.source import Cut

# Signature meanings (21 CFR 11.50(a)(3)) with the legal reason each signature carries.
SIGNATURE_MEANINGS: dict[str, str] = {
    "approval": "I approve the data of this form as complete and correct.",
    "review": "I have reviewed the data of this form.",
    "authorship": "I am the author of the data of this form.",
}
LEGAL_REASON = (
    "Electronic signature under 21 CFR Part 11 (11.50, 11.70, 11.200): the signer "
    "re-entered their password; the signature is linked to the exact content signed."
)


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    site: str | None


@dataclass
class Directory:
    """The users and locations of the file, filled while clinical data is written."""

    accounts: dict[str, Account] = field(default_factory=dict)
    sites: set[str] = field(default_factory=lambda: set(SITES))
    meanings: set[str] = field(default_factory=lambda: set(SIGNATURE_MEANINGS))

    @classmethod
    def load(cls, cut: Cut) -> Directory:
        directory = cls()
        for _position, registered in cut.events(topics=(get_topic(User.Registered),)):
            directory.add(Account(registered.name, registered.role, registered.site))
        return directory

    def add(self, account: Account) -> None:
        self.accounts[account.name] = account
        if account.site:
            self.sites.add(account.site)

    def user(self, actor: Mapping[str, Any]) -> str:
        name = str(actor.get("user") or "unknown")
        if name not in self.accounts:
            self.add(Account(name, str(actor.get("role") or ""), actor.get("site")))
        return user_oid(name)

    def location(self, actor: Mapping[str, Any]) -> str:
        site = actor.get("site")
        if site:
            self.sites.add(str(site))
        return location_oid(site)

    def signature(self, meaning: str) -> str:
        self.meanings.add(meaning)
        return signature_oid(meaning)


def write_admin(out: XmlOut, directory: Directory, effective: date) -> None:
    with out.element("AdminData", StudyOID=STUDY_OID):
        for name in sorted(directory.accounts):
            write_user(out, directory.accounts[name])
        for site in [*sorted(directory.sites), None]:
            kind = "Site" if site else "Sponsor"
            label = site or "Trial-wide roles (coordinating centre)"
            with out.element("Location", OID=location_oid(site), Name=label, LocationType=kind):
                out.leaf(
                    "MetaDataVersionRef",
                    StudyOID=STUDY_OID,
                    MetaDataVersionOID=MDV_OID,
                    EffectiveDate=effective.isoformat(),
                )
        for meaning in sorted(directory.meanings):
            with out.element("SignatureDef", OID=signature_oid(meaning), Methodology="Electronic"):
                out.leaf("Meaning", meaning)
                reason = SIGNATURE_MEANINGS.get(meaning)
                out.leaf("LegalReason", f"{reason} {LEGAL_REASON}" if reason else LEGAL_REASON)


def write_user(out: XmlOut, account: Account) -> None:
    try:
        site_role = Role(account.role) in SITE_ROLES
    except ValueError:
        site_role = False
    with out.element(
        "User", OID=user_oid(account.name), UserType="Investigator" if site_role else "Sponsor"
    ):
        out.leaf("LoginName", account.name)
        out.leaf("DisplayName", f"{account.name} ({account.role or 'no role'})")
        out.leaf("LocationRef", LocationOID=location_oid(account.site))
