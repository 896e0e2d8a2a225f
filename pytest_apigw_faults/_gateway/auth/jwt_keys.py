"""A key pair for tests of a JWT authorizer: its JWKS for
``JwtAuthorizer(jwks=)``, and tokens signed with it (PyJWT and
cryptography, the ``jwt`` extra)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ApigwFaultError

__all__ = ["JwtKeys"]


def _libraries() -> tuple[Any, Any]:
    try:
        import jwt
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:
        raise ApigwFaultError(
            "JwtKeys signs tokens with PyJWT and cryptography, which are not installed:"
            " pip install 'pytest-apigw-faults[jwt]'"
        ) from None
    return jwt, rsa


@dataclass(frozen=True)
class JwtKeys:
    """An RSA key pair: ``jwks`` is its public half as an issuer publishes
    it, ``token(claims)`` a JWT signed with its private half.

    >>> keys = JwtKeys.generate()                          # doctest: +SKIP
    >>> keys.token({"iss": "https://issuer", "aud": "app", "exp": ...})  # doctest: +SKIP
    """

    private_key: Any = field(repr=False)
    kid: str = "test-key"

    @classmethod
    def generate(cls, kid: str = "test-key") -> JwtKeys:
        """A fresh 2048-bit RSA key pair whose key id is ``kid``."""
        if not isinstance(kid, str) or not kid:
            raise ApigwFaultError(f"JwtKeys.generate(kid={kid!r}): a non-empty string")
        _, rsa = _libraries()
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048), kid)

    @property
    def jwks(self) -> dict[str, Any]:
        """The public key as a JWKS: ``{"keys": [{"kty": "RSA", "kid": …}]}``."""
        jwt, _ = _libraries()
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def token(
        self,
        claims: Mapping[str, Any],
        *,
        algorithm: str = "RS256",
        headers: Mapping[str, Any] | None = None,
    ) -> str:
        """``claims`` signed with the private key, its header naming ``kid``."""
        jwt, _ = _libraries()
        signed: str = jwt.encode(
            dict(claims),
            self.private_key,
            algorithm=algorithm,
            headers={"kid": self.kid, **(headers or {})},
        )
        return signed
