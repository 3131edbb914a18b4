"""Today's date where the unions work: Vietnam (UTC+7), whatever the server's clock zone."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def today() -> date:
    return datetime.now(VIETNAM).date()
