"""The workflow document, generated from the same definition the machines are built from."""
from flask import jsonify

from casework.api import answer, bp
from casework.api.docs import operation
from casework.schemas.meta import Workflow
from casework.workflow.describe import describe_workflows


@bp.get("/workflow")
@operation(summary="Every kind's states and triggers, from the workflow definition",
           responses={200: (Workflow, "The flows")}, tags=["workflow"])
def workflow():
    return jsonify(answer(Workflow, describe_workflows()))
