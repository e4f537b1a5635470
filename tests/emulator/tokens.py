"""Token authentication of the registries behind the emulator (--registry).

The registries (Distribution 2.8) send clients to the emulator's token endpoint,
which decides who gets what as Scaleway does and answers a JWT signed with a key
made at start. The registries trust that key through a self-signed certificate
in their `rootcertbundle`, and find it by the `kid` of the JWT header.
"""

import base64
import binascii
import datetime
import hashlib
import json
import time
import uuid
from urllib.parse import parse_qsl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from .iam import authenticate
from .model import REGIONS

ISSUER = "scaleway-registry-emulator"
# The JWT `sub` of the tokens the emulator makes for its own deletes: the registry
# reports it as `actor.name` in its events, so that the emulator knows its own deletes.
EMULATOR_SUBJECT = "scaleway-registry-emulator"
TOKEN_LIFETIME = 300
INVALID_CREDENTIALS = {"errors": [{"code": "UNAUTHORIZED", "message": "invalid username or secret key"}]}


def service_of(region):
    """The `service` (JWT audience) of a region's registry: its Scaleway host name."""
    return f"rg.{region}.scw.cloud"


REGION_OF_SERVICE = {service_of(region): region for region in REGIONS}


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def libtrust_kid(public_key):
    """The key id libtrust (and so the registry) gives a public key."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    text = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode("ascii")
    return ":".join(text[i : i + 4] for i in range(0, 48, 4))


class TokenSigner:
    """An RSA key made at start, its self-signed certificate, and RS256 JWTs."""

    def __init__(self):
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = libtrust_kid(self._key.public_key())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
        now = datetime.datetime.now(datetime.timezone.utc)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .sign(self._key, hashes.SHA256())
        )
        self.certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)

    def sign(self, subject, service, access, now=None):
        now = int(time.time() if now is None else now)
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "aud": service,
            "exp": now + TOKEN_LIFETIME,
            "nbf": now,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        signing_input = ".".join(
            _b64url(json.dumps(part, separators=(",", ":")).encode("utf-8")) for part in (header, claims)
        )
        signature = self._key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64url(signature)}"


def parse_scopes(values):
    """`scope` values (repeated, duplicated, space-separated) -> {(type, name): set of actions}, in order.

    A scope is `type:name:actions`: the name is what lies between the first and the last `:`.
    """
    wanted = {}
    for value in values:
        for scope in value.split():
            first, last = scope.find(":"), scope.rfind(":")
            if first < 0 or last == first:
                continue
            actions = {a for a in scope[last + 1 :].split(",") if a}
            wanted.setdefault((scope[:first], scope[first + 1 : last]), set()).update(actions)
    return wanted


class TokenService:
    """GET <realm>?service=rg.<region>.scw.cloud&scope=...: who gets what, as on Scaleway."""

    def __init__(self, signer, store, accounts):
        self.signer = signer
        self.store = store
        self.accounts = accounts

    def handle(self, query, headers):
        """Returns (status, JSON body)."""
        params = parse_qsl(query, keep_blank_values=True)
        service = next((v for k, v in params if k == "service"), "")
        region = REGION_OF_SERVICE.get(service)
        if region is None:
            return 400, {"errors": [{"code": "UNSUPPORTED", "message": f"unknown service {service!r}"}]}
        authorization = headers.get("Authorization")
        caller = None
        if authorization:
            # Any user name; the password must be a secret key the emulator knows (and, for an
            # application's key, one that has not expired).
            caller = authenticate(self.accounts, self.store, _basic_password(authorization))
            if caller is None:
                return 401, INVALID_CREDENTIALS
        organization_id = caller.organization_id if caller else None
        access = []
        for (kind, name), actions in parse_scopes(v for k, v in params if k == "scope").items():
            allowed = self._allowed(region, caller, name) if kind == "repository" else set()
            granted = allowed if "*" in actions else actions & allowed
            access.append({"type": kind, "name": name, "actions": ["*"] if "*" in granted else sorted(granted)})
        token = self.signer.sign(organization_id or "", service, access)
        issued_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return 200, {"token": token, "access_token": token, "expires_in": TOKEN_LIFETIME, "issued_at": issued_at}

    def _allowed(self, region, caller, repository):
        namespace, slash, image = repository.partition("/")
        if not slash or not image:
            return set()
        policy = self.store.repository_policy(region, namespace, image)
        if policy is None:
            return set()
        if policy["namespace_status"] == "deleting":
            return set()  # as if it were gone already: no push, as on Scaleway
        if caller is not None and caller.organization_id == policy["organization_id"]:
            if caller.may("write", policy["project_id"]):
                if policy["namespace_status"] == "locked":
                    return {"pull"}  # like the API: a locked resource can be read, not changed
                return {"pull", "push", "delete", "*"}
            if caller.may("read", policy["project_id"]):
                return {"pull"}  # an application's key with read-only rights on the project
        # An image not pushed yet counts as `inherit`.
        visibility = policy["visibility"] or "inherit"
        if visibility == "public" or (visibility == "inherit" and policy["is_public"]):
            return {"pull"}
        return set()


def _basic_password(authorization):
    scheme, _dummy, value = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    colon, password = decoded.partition(":")[1:]
    return password if colon else None
