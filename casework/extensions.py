"""Every extension singleton, bound to the app in create_app()."""
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
compress = Compress()   # every text response, static files included (casework/static_files.py)


def plan_each_statement(engine) -> None:
    """On PostgreSQL, psycopg never prepares a statement on the server (by default it does
    from a statement's 5th execution, and the server may then keep one generic plan for any
    values): each statement is planned with its own values, so a search's bound LIKE pattern
    is weighed as it is (a rare name: the trigram index) without being spliced into the SQL."""
    if engine.dialect.driver != "psycopg":
        return

    @event.listens_for(engine, "connect")
    def _no_server_side_prepare(dbapi_connection, _record):
        dbapi_connection.prepare_threshold = None
