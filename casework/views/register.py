"""The register page of a case (filled in below)."""
from flask import Blueprint

bp = Blueprint("register", __name__)
