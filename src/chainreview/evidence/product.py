"""A product of a declaration package: category, catalogue figures, deployments, capabilities.

`chainreview.evidence.declaration` validates the manifest and reads the SBOMs; `product_from`
builds the frozen `Product` from one schema-valid `products` entry and what was read for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chainreview.components.model import Inventory
from chainreview.evidence.vex import VexDocument


class ProductCategory(StrEnum):
    """Class of network product or service in the Measures' definition (REGIMES §1.2)."""

    CORE_NETWORK_EQUIPMENT = "core-network-equipment"
    IMPORTANT_COMMUNICATIONS_PRODUCT = "important-communications-product"
    HIGH_PERFORMANCE_COMPUTER_OR_SERVER = "high-performance-computer-or-server"
    MASS_STORAGE_DEVICE = "mass-storage-device"
    LARGE_DATABASE_OR_APPLICATION_SOFTWARE = "large-database-or-application-software"
    NETWORK_SECURITY_EQUIPMENT = "network-security-equipment"
    CLOUD_COMPUTING_SERVICE = "cloud-computing-service"
    OTHER_IMPORTANT_PRODUCT_OR_SERVICE = "other-important-product-or-service"

    @property
    def words(self) -> str:
        """The category in words, as sentences write it (the value is its key)."""
        if self is ProductCategory.HIGH_PERFORMANCE_COMPUTER_OR_SERVER:
            return "high-performance computer or server"
        return self.value.replace("-", " ")


class EquipmentKind(StrEnum):
    """Device kinds of the Catalogue of Critical Network Equipment (REGIMES §7.3)."""

    ROUTER = "router"
    SWITCH = "switch"
    RACK_SERVER = "rack-server"
    PLC = "plc"


class SecurityProductCategory(StrEnum):
    """Categories of the catalogue of dedicated cybersecurity products named in REGIMES §7.3."""

    DATA_BACKUP_AND_RECOVERY = "data-backup-and-recovery"
    FIREWALL = "firewall"
    INTRUSION_DETECTION = "intrusion-detection"
    INTRUSION_PREVENTION = "intrusion-prevention"
    NETWORK_AND_TERMINAL_ISOLATION = "network-and-terminal-isolation"
    OTHER_LISTED = "other-listed"


class OperatedBy(StrEnum):
    """Who runs an update channel, a maintenance access or a telemetry endpoint."""

    VENDOR = "vendor"
    OPERATOR = "operator"
    THIRD_PARTY = "third-party"


class DataClass(StrEnum):
    """Class of data (Data Security Law: core, important; PIPL: personal, sensitive personal)."""

    CORE = "core"
    IMPORTANT = "important"
    PERSONAL = "personal"
    SENSITIVE_PERSONAL = "sensitive-personal"
    BUSINESS = "business"
    OPERATIONAL = "operational"
    PUBLIC = "public"


class InterfaceProtocol(StrEnum):
    """Transport or physical interface of a declared interface."""

    TCP = "tcp"
    UDP = "udp"
    SERIAL = "serial"
    USB = "usb"
    OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class CriticalEquipment:
    """Kind and catalogue figures of a Catalogue of Critical Network Equipment device.

    The field names are the ones regime profiles state their scope thresholds in.
    """

    kind: EquipmentKind
    throughput_tbps: float | None = None
    routing_table_entries: int | None = None
    packet_forwarding_gpps: float | None = None
    cpu_count: int | None = None
    cores_per_cpu: int | None = None
    memory_gb: float | None = None
    instruction_time_us: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityProduct:
    """Catalogue category of a dedicated cybersecurity product."""

    category: SecurityProductCategory
    name: str | None = None
    """The catalogue's own name for the category (set for `other-listed`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Deployment:
    """A CII system a product serves, and its function there."""

    system: str
    """Id of a declared `CiiSystem`."""
    function: str
    share_percent: float | None = None
    """Share of the function this vendor provides after the purchase (0–100)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteUpdate:
    """Remote software or firmware update."""

    supported: bool
    operated_by: OperatedBy | None = None
    automatic: bool | None = None
    signed: bool | None = None
    channel: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteMaintenance:
    """Remote maintenance or operation access."""

    supported: bool
    operated_by: OperatedBy | None = None
    enabled_by_default: bool | None = None
    operator_approval_required: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TelemetryDestination:
    """An endpoint the product sends data to on its own."""

    endpoint: str
    """Host name, IP address or URL."""
    country: str
    """ISO 3166-1 alpha-2 code of where the endpoint is hosted."""
    purpose: str
    data_categories: tuple[DataClass, ...]
    operated_by: OperatedBy | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Telemetry:
    """What the product sends out, and where."""

    supported: bool
    destinations: tuple[TelemetryDestination, ...]
    enabled_by_default: bool | None = None
    can_disable: bool | None = None


class SensitiveCategory(StrEnum):
    """Sensitive personal information (PIPL Art. 28)."""

    BIOMETRIC = "biometric"
    RELIGIOUS_BELIEF = "religious-belief"
    SPECIFIC_IDENTITY = "specific-identity"
    MEDICAL_HEALTH = "medical-health"
    FINANCIAL_ACCOUNT = "financial-account"
    LOCATION_TRACKING = "location-tracking"
    MINOR_UNDER_14 = "minor-under-14"
    OTHER = "other"


class AssessmentStatus(StrEnum):
    """State of an outbound-data-transfer security assessment."""

    COMPLETED = "completed"
    IN_PROGRESS = "in-progress"
    NOT_FILED = "not-filed"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportAssessment:
    """The export security assessment (CSL Art. 37, PIPL Art. 40) of data held abroad."""

    status: AssessmentStatus
    countries: tuple[str, ...]
    """The destination countries it covers."""
    reference: str | None = None
    date: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DataCategory:
    """A category of data the product handles: volume, sensitivity and where it is held."""

    category: DataClass
    description: str | None = None
    records: int | None = None
    individuals: int | None = None
    """People whose personal information is handled ("large amounts", Art. 10 item 5)."""
    sensitive: tuple[SensitiveCategory, ...] = ()
    stored_in: tuple[str, ...] | None = None
    """Countries where it is stored; None when not declared."""
    processed_in: tuple[str, ...] | None = None
    """Countries where it is processed or accessed from, storage aside; None when not declared."""
    export_assessment: ExportAssessment | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Encryption:
    """Protection of data in transit and at rest; None fields were not declared."""

    in_transit: bool | None = None
    at_rest: bool | None = None
    algorithms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Interface:
    """A declared service, port or access interface (GB 40050-2021 5.3(c), 5.6)."""

    name: str
    purpose: str
    enabled_by_default: bool
    remote_debug: bool
    protocol: InterfaceProtocol | None = None
    port: int | None = None
    can_disable: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Integrity:
    """How software integrity is protected and checked (GB 40050-2021 5.4, 6.2(d)(e))."""

    secure_boot: bool | None = None
    signed_firmware: bool | None = None
    user_verification: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Capabilities:
    """Capabilities of a product that bear on control, data and supply factors."""

    remote_update: RemoteUpdate
    remote_maintenance: RemoteMaintenance
    telemetry: Telemetry
    data: tuple[DataCategory, ...]
    interfaces: tuple[Interface, ...]
    encryption: Encryption | None = None
    integrity: Integrity | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Product:
    """One network product or service bought, with its merged SBOM inventory."""

    id: str
    name: str
    version: str
    vendor: str
    """Id of the vendor's `VendorProfile`."""
    category: ProductCategory
    quantity: int
    deployments: tuple[Deployment, ...]
    capabilities: Capabilities
    sbom_files: tuple[str, ...]
    """Package-relative paths of the SBOMs, in manifest order."""
    inventory: Inventory | None
    """The SBOMs merged; None when the declaration says no SBOM was delivered."""
    vex_files: tuple[str, ...] = ()
    """Package-relative paths of the VEX documents (digests in `Declaration.inputs`)."""
    vex: tuple[VexDocument, ...] = ()
    """The VEX documents, read, in `vex_files` order."""
    model: str | None = None
    critical_equipment: CriticalEquipment | None = None
    security_product: SecurityProduct | None = None
    support_end: str | None = None
    """ISO 8601 date security support for this version ends."""


def product_from(
    item: Mapping[str, Any],
    *,
    sbom_files: tuple[str, ...],
    inventory: Inventory | None,
    vex_files: tuple[str, ...],
    vex: tuple[VexDocument, ...] = (),
) -> Product:
    """Build a product from a schema-valid manifest entry and its already-read evidence."""
    equipment = item.get("critical_equipment")
    security = item.get("security_product")
    return Product(
        id=item["id"],
        name=item["name"],
        version=item["version"],
        vendor=item["vendor"],
        model=item.get("model"),
        category=ProductCategory(item["category"]),
        quantity=item["quantity"],
        deployments=tuple(
            Deployment(
                system=d["system"], function=d["function"], share_percent=d.get("share_percent")
            )
            for d in item["deployments"]
        ),
        capabilities=_capabilities(item["capabilities"]),
        support_end=item.get("support_end"),
        critical_equipment=None if equipment is None else _critical_equipment(equipment),
        security_product=None
        if security is None
        else SecurityProduct(
            category=SecurityProductCategory(security["category"]), name=security.get("name")
        ),
        sbom_files=sbom_files,
        inventory=inventory,
        vex_files=vex_files,
        vex=vex,
    )


def _critical_equipment(item: Mapping[str, Any]) -> CriticalEquipment:
    figures = {key: value for key, value in item.items() if key != "kind"}
    return CriticalEquipment(kind=EquipmentKind(item["kind"]), **figures)


def _capabilities(item: Mapping[str, Any]) -> Capabilities:
    update, maintenance, telemetry = (
        item["remote_update"],
        item["remote_maintenance"],
        item["telemetry"],
    )
    encryption, integrity = item.get("encryption"), item.get("integrity")
    return Capabilities(
        remote_update=RemoteUpdate(
            supported=update["supported"],
            operated_by=_operated_by(update),
            automatic=update.get("automatic"),
            signed=update.get("signed"),
            channel=update.get("channel"),
        ),
        remote_maintenance=RemoteMaintenance(
            supported=maintenance["supported"],
            operated_by=_operated_by(maintenance),
            enabled_by_default=maintenance.get("enabled_by_default"),
            operator_approval_required=maintenance.get("operator_approval_required"),
        ),
        telemetry=Telemetry(
            supported=telemetry["supported"],
            enabled_by_default=telemetry.get("enabled_by_default"),
            can_disable=telemetry.get("can_disable"),
            destinations=tuple(
                TelemetryDestination(
                    endpoint=d["endpoint"],
                    country=d["country"],
                    purpose=d["purpose"],
                    data_categories=tuple(DataClass(c) for c in d["data_categories"]),
                    operated_by=_operated_by(d),
                )
                for d in telemetry["destinations"]
            ),
        ),
        data=tuple(_data_category(d) for d in item["data"]),
        interfaces=tuple(
            Interface(
                name=i["name"],
                purpose=i["purpose"],
                enabled_by_default=i["enabled_by_default"],
                remote_debug=i["remote_debug"],
                protocol=None if "protocol" not in i else InterfaceProtocol(i["protocol"]),
                port=i.get("port"),
                can_disable=i.get("can_disable"),
            )
            for i in item["interfaces"]
        ),
        encryption=None
        if encryption is None
        else Encryption(
            in_transit=encryption.get("in_transit"),
            at_rest=encryption.get("at_rest"),
            algorithms=tuple(encryption.get("algorithms", ())),
        ),
        integrity=None if integrity is None else Integrity(**integrity),
    )


def _data_category(item: Mapping[str, Any]) -> DataCategory:
    stored, processed = item.get("stored_in"), item.get("processed_in")
    assessment = item.get("export_assessment")
    return DataCategory(
        category=DataClass(item["category"]),
        description=item.get("description"),
        records=item.get("records"),
        individuals=item.get("individuals"),
        sensitive=tuple(SensitiveCategory(c) for c in item.get("sensitive", ())),
        stored_in=None if stored is None else tuple(stored),
        processed_in=None if processed is None else tuple(processed),
        export_assessment=None
        if assessment is None
        else ExportAssessment(
            status=AssessmentStatus(assessment["status"]),
            countries=tuple(assessment["countries"]),
            reference=assessment.get("reference"),
            date=assessment.get("date"),
        ),
    )


def _operated_by(item: Mapping[str, Any]) -> OperatedBy | None:
    return None if "operated_by" not in item else OperatedBy(item["operated_by"])
