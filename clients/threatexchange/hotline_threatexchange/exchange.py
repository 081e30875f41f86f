"""The Hotline signal exchange: a Hotline instance's confirmed hash list, fetched incrementally.

The server side is ``GET /api/v1/feeds/hashes/changes?since=N&limit=L`` (scope
``feed:hashes``): one page of net removals and additions after serial ``N``. The checkpoint is
the serial reached; every page is handed to the caller with its own checkpoint, so a fetch that
fails half way (revoked token, network) keeps everything up to the last good page and the next
fetch resumes from there.

Records are keyed by the Hotline entry id (one confirmed file), not by hash value: two files
that share a PDQ hash leave the list one at a time without taking the other's match with them.
Category and PDQ-quality filters are applied when the index is built, so changing them in the
collaboration's configuration takes effect without fetching again.
"""

# No ``from __future__ import annotations`` here: threatexchange's CLI builds its
# ``config collab edit`` options from the config dataclass's field types at run time, and
# cannot read them as strings.
import logging
import pathlib
import typing as t
from dataclasses import dataclass, field
from datetime import datetime

import requests
from threatexchange.exchanges import auth, signal_exchange_api
from threatexchange.exchanges import fetch_state as state
from threatexchange.exchanges.collab_config import CollaborationConfigBase
from threatexchange.signal_type.signal_base import SignalType

API_NAME = "hotline"
CHANGES_PATH = "/api/v1/feeds/hashes/changes"
TIMEOUT_SECONDS = 60
# Hotline's algorithm names -> python-threatexchange signal type names. MD5 and SHA-256 of a
# whole file are threatexchange's (video_)md5/sha256 types, the exact-file types HMA banks
# use; SHA-1 has no signal type and stays in the record only.
logger = logging.getLogger(__name__)
SIGNAL_TYPE_OF = {"pdq": "pdq", "md5": "video_md5", "sha256": "video_sha256", "vpdq": "vpdq"}


class HotlineExchangeError(Exception):
    """A fetch the Hotline instance refused or could not answer; the message says what to do."""


@dataclass
class HotlineCollabConfig(CollaborationConfigBase):
    """One Hotline instance's hash list, and what of it this platform matches on."""

    base_url: str = field(
        metadata={"help": "the Hotline instance, e.g. https://hotline.example.test"}
    )
    token_file: str = field(
        default="",
        metadata={
            "help": "a file holding this collab's feed token (default: $TX_HOTLINE_TOKEN, "
            "then ~/.tx_hotline_token)"
        },
    )
    categories: t.Set[str] = field(  # noqa: UP006 (the CLI's argument parser reads typing's generics)
        default_factory=set,
        metadata={"help": "only match files of these categories (default: all), e.g. baseline"},
    )
    min_pdq_quality: int = field(
        default=50, metadata={"help": "ignore PDQ hashes of lower quality (0-100)"}
    )
    page_size: int = field(default=1000, metadata={"help": "changes per request (1-5000)"})


@dataclass
class HotlineCredentials(auth.CredentialHelper):
    """A Hotline feed-consumer token (``hl_<key id>_<secret>``) with the ``feed:hashes`` scope."""

    ENV_VARIABLE: t.ClassVar[str] = "TX_HOTLINE_TOKEN"
    FILE_NAME: t.ClassVar[str] = "~/.tx_hotline_token"

    token: str

    @classmethod
    def _from_str(cls, s: str) -> "HotlineCredentials":
        return cls(s.strip())

    def _are_valid(self) -> bool:
        parts = self.token.split("_", 2)
        return len(parts) == 3 and parts[0] == "hl" and all(parts)


@dataclass
class HotlineCheckpoint(state.FetchCheckpointBase):
    """The hash-list serial reached, when the list reached it, and on which instance."""

    serial: int
    serial_at: int  # Unix time of that serial's change (0: the list was empty)
    base_url: str

    def get_progress_timestamp(self) -> int | None:
        return self.serial_at or None


@dataclass
class HotlineListing:
    """One file on a Hotline hash list: its hashes, classification and provenance."""

    id: str
    serial: int
    listed_at: str
    category: str
    severity: str
    hashes: t.Dict[str, str]  # noqa: UP006
    pdq_quality: int | None
    reference: str  # the file's STIX indicator id on that instance (TAXII)
    source: str  # the instance's base URL


@dataclass
class HotlineSignalMetadata(state.FetchedSignalMetadata):
    """What a match on one hash means: every listed file carrying it, each a positive."""

    listings: t.List[HotlineListing]  # noqa: UP006

    def get_as_opinions(self) -> t.Sequence[state.SignalOpinion]:
        return [
            state.SignalOpinion(
                False,
                state.SignalOpinionCategory.POSITIVE_CLASS,
                {tag for tag in (listing.category, listing.severity) if tag},
            )
            for listing in self.listings
        ]

    def __str__(self) -> str:
        """``POSITIVE_CLASS <tags, sorted> <instance>#<indicator id> ...``: stable output."""
        aggregate = self.get_as_aggregate_opinion()
        references = " ".join(f"{item.source}#{item.reference}" for item in self.listings)
        return f"{aggregate.category.name} {','.join(sorted(aggregate.tags))} {references}"


def _unix(moment: str | None) -> int:
    if not moment:
        return 0
    return int(datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp())


class HotlineSignalExchangeAPI(
    auth.SignalExchangeWithAuth[HotlineCollabConfig, HotlineCredentials],
    signal_exchange_api.SignalExchangeAPI[
        HotlineCollabConfig, HotlineCheckpoint, HotlineSignalMetadata, str, HotlineListing
    ],
):
    """Fetches one Hotline instance's hash list (a collaboration per instance and list)."""

    def __init__(
        self,
        collab: HotlineCollabConfig,
        token: str,
        session: requests.Session | None = None,
    ) -> None:
        self.collab = collab
        self.base_url = collab.base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.session.headers["Accept"] = "application/json"

    @classmethod
    def get_name(cls) -> str:
        return API_NAME

    @staticmethod
    def get_config_cls() -> type[HotlineCollabConfig]:
        return HotlineCollabConfig

    @staticmethod
    def get_checkpoint_cls() -> type[HotlineCheckpoint]:
        return HotlineCheckpoint

    @staticmethod
    def get_record_cls() -> type[HotlineSignalMetadata]:
        return HotlineSignalMetadata

    @staticmethod
    def get_credential_cls() -> type[HotlineCredentials]:
        return HotlineCredentials

    @classmethod
    def for_collab(
        cls,
        collab: HotlineCollabConfig,
        credentials: HotlineCredentials | None = None,
    ) -> "HotlineSignalExchangeAPI":
        if not collab.base_url.startswith(("https://", "http://")):
            raise HotlineExchangeError(
                f"collab {collab.name}: base_url must be the instance's http(s) address;"
                f" got {collab.base_url!r}"
            )
        if credentials is None and collab.token_file:
            path = pathlib.Path(collab.token_file).expanduser()
            try:
                credentials = HotlineCredentials._from_str(path.read_text())
            except OSError as exc:
                raise HotlineExchangeError(
                    f"collab {collab.name}: cannot read token_file {path}: {exc.strerror}"
                ) from None
            if not credentials._are_valid():
                raise auth.SignalExchangeAPIInvalidAuthException(
                    cls, f"{path} does not hold a Hotline token (hl_<key id>_<secret>)"
                )
        credentials = credentials or HotlineCredentials.get(cls)
        return cls(collab, credentials.token)

    # --- fetching ----------------------------------------------------------------------------

    def _where_token_lives(self) -> str:
        if self.collab.token_file:
            return self.collab.token_file
        return f"${HotlineCredentials.ENV_VARIABLE} or {HotlineCredentials.FILE_NAME}"

    def _refusal(self, response: requests.Response, since: int) -> HotlineExchangeError:
        try:
            document = response.json()
        except ValueError:
            document = {}
        detail = str(document.get("detail") or response.reason or "").strip()
        where = f"Hotline at {self.base_url}"
        resume = f"The next fetch resumes from serial {since}."
        if response.status_code == 401:
            return HotlineExchangeError(
                f"{where} refused the token: {detail}. Put a new feed token in"
                f" {self._where_token_lives()}. {resume}"
            )
        if response.status_code == 403:
            return HotlineExchangeError(
                f"{where} refused the token: {detail}. Ask the instance's administrator for a"
                f" feed credential with the feed:hashes scope. {resume}"
            )
        if response.status_code == 404 and "current_serial" in document:
            return HotlineExchangeError(
                f"the checkpoint (serial {since}) is past {where}'s hash list, which is at"
                f" serial {document['current_serial']}: the instance was restored or the collab"
                f" points elsewhere. Start again with"
                f" `threatexchange fetch --clear --only-collab {self.collab.name}`."
            )
        return HotlineExchangeError(
            f"{where} answered {response.status_code} {detail or response.reason}. {resume}"
        )

    def _page(self, since: int) -> dict[str, t.Any]:
        try:
            response = self.session.get(
                self.base_url + CHANGES_PATH,
                params={"since": since, "limit": self.collab.page_size},
                timeout=TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            unreachable = HotlineExchangeError(
                f"cannot reach Hotline at {self.base_url}: {exc}."
                f" The next fetch resumes from serial {since}."
            )
            logger.critical("%s", unreachable)
            raise unreachable from None
        if response.status_code != 200:
            refusal = self._refusal(response, since)
            # The CLI shows only CRITICAL log lines unless run with -v, and prints no exception
            # text: say here why the fetch stopped and what to do.
            logger.critical("%s", refusal)
            raise refusal
        page: dict[str, t.Any] = response.json()
        return page

    def _listing(self, added: dict[str, t.Any]) -> HotlineListing:
        return HotlineListing(
            id=str(added["id"]),
            serial=int(added["serial"]),
            listed_at=str(added["listed_at"]),
            category=str(added.get("category", "")),
            severity=str(added.get("severity", "")),
            hashes={str(k): str(v) for k, v in added.get("hashes", {}).items()},
            pdq_quality=added.get("pdq_quality"),
            reference=str(added.get("reference", "")),
            source=self.base_url,
        )

    def fetch_iter(
        self,
        supported_signal_types: t.Sequence[type[SignalType]],
        checkpoint: HotlineCheckpoint | None,
    ) -> t.Iterator[state.FetchDelta[str, HotlineListing, HotlineCheckpoint]]:
        since = 0
        if checkpoint is not None:
            if checkpoint.base_url and checkpoint.base_url != self.base_url:
                raise HotlineExchangeError(
                    f"the checkpoint is from {checkpoint.base_url}, but collab"
                    f" {self.collab.name} now fetches from {self.base_url}. Start again with"
                    f" `threatexchange fetch --clear --only-collab {self.collab.name}`."
                )
            since = checkpoint.serial
        while True:
            page = self._page(since)
            updates: dict[str, HotlineListing | None] = {
                str(removed["id"]): None for removed in page["removed"]
            }
            for added in page["added"]:
                updates[str(added["id"])] = self._listing(added)
            reached = int(page["serial"])
            if reached == since and checkpoint is not None:
                return  # already up to date: nothing to store
            yield state.FetchDelta(
                updates,
                HotlineCheckpoint(reached, _unix(page.get("serial_at")), self.base_url),
            )
            checkpoint = HotlineCheckpoint(reached, 0, self.base_url)
            since = reached
            if not page["more"]:
                return

    @classmethod
    def naive_convert_to_signal_type(
        cls,
        signal_types: t.Sequence[type[SignalType]],
        collab: HotlineCollabConfig,
        fetched: t.Mapping[str, HotlineListing],
    ) -> dict[type[SignalType], dict[str, HotlineSignalMetadata]]:
        by_name = {signal_type.get_name(): signal_type for signal_type in signal_types}
        converted: dict[type[SignalType], dict[str, HotlineSignalMetadata]] = {}
        for listing in fetched.values():
            if collab.categories and listing.category not in collab.categories:
                continue
            for algorithm, value in listing.hashes.items():
                signal_type = by_name.get(SIGNAL_TYPE_OF.get(algorithm, ""))
                if signal_type is None:
                    continue
                if (
                    algorithm == "pdq"
                    and listing.pdq_quality is not None
                    and listing.pdq_quality < collab.min_pdq_quality
                ):
                    continue
                try:
                    signal = signal_type.validate_signal_str(value)
                except ValueError:
                    continue  # not a hash this signal type reads: nothing to match on
                by_signal = converted.setdefault(signal_type, {})
                by_signal.setdefault(signal, HotlineSignalMetadata([])).listings.append(listing)
        return converted
