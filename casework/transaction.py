"""The one commit of a request; a lost race at commit time is a 409, not a 500."""
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from casework.extensions import db
from casework.services import Conflict, _


def commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_("Someone else changed this case in the meantime; reload it and try "
                         "again."), code="stale_version")
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("This change conflicts with a record saved in the meantime "
                         "(for example a second active case for the same enterprise)."),
                       code="conflict")
