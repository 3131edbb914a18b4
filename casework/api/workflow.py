"""The workflow document, generated from the same definition the machines are built from."""
from flask import jsonify

from casework.api import bp
from casework.workflow.describe import describe_workflows


@bp.get("/workflow")
def workflow():
    return jsonify(describe_workflows())
