"""API authentication: bearer tokens, and who am I."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from casework.api_base import Blueprint
from casework.auth import services
from casework.auth.schemas import MeSchema, TokenRequestSchema, TokenSchema
from casework.errors import TooManyAttempts, Unauthenticated
from casework.extensions import db

blp = Blueprint("auth_api", __name__, url_prefix="/api/v1", description="Authentication")


@blp.route("/auth/token", methods=["POST"], roles=None)  # public: the sign-in
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenSchema)
def create_token(body):
    """Exchange a username and password for a bearer token with an expiry."""
    try:
        user = services.authenticate(body["username"], body["password"])
    except (Unauthenticated, TooManyAttempts):
        db.session.commit()  # keep the failure count
        raise
    token, expires_at = services.issue_token(user)
    db.session.commit()
    return {"token": token, "expires_at": expires_at}


@blp.route("/auth/token", methods=["DELETE"], roles=None)  # any signed-in caller
@blp.response(204)
def revoke_token():
    """Revoke the bearer token used for this request."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        services.revoke_token(header[7:].strip())
        db.session.commit()


@blp.route("/me")
@blp.response(200, MeSchema)
def me():
    """The caller's account and role grants."""
    return current_user
