"""The classroom web app: a small Starlette application, plain HTML from the server.

Why not Mesa's SolaraViz: a class is one shared session seen from many browsers (the
teacher's console, a view per team, the projector), where SolaraViz gives each browser
its own model and developer controls. Here the server holds the classes
(model/classroom/store.py), renders each view (model/classroom/views.py) and the page's
script polls for changes: no widget framework, no assets to fetch, every page testable
with plain HTTP.

Who may do what:

- the teacher: the link the server prints carries a start token; it sets a cookie that
  lets its browser start classes and open their consoles; each class also has its own
  teacher token (in the class's cookie and saved file, so it survives a restart);
- a team: joins with the class's code and gets a token for its one country; it can set
  only that country's position, and sees no other team's;
- the projector: anyone with the code (it shows what the whole room sees).

Every POST must be JSON from one of our own pages (``Origin``); cookies are HttpOnly and
SameSite=Strict; wrong join codes are rate-limited per client.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from model.classroom import assets, views
from model.classroom.debrief import debrief_html
from model.classroom.forecast import Forecaster
from model.classroom.session import ClassSession, SessionError, scenario_titles
from model.classroom.store import ClassStore
from model.files.safe_output import OutputError

START_COOKIE = "asean_start"
TEACHER_COOKIE = "asean_teacher_{code}"
TEAM_COOKIE = "asean_team_{code}"
FAILED_JOINS = 20
"""Wrong join codes a client may try per JOIN_WINDOW seconds before it must wait."""
JOIN_WINDOW = 60.0
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


@dataclass
class Limiter:
    """Counts a client's wrong join codes, so a code cannot be guessed by brute force."""

    failures: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked(self, client: str) -> bool:
        now = time.monotonic()
        with self.lock:
            recent = [t for t in self.failures.get(client, []) if now - t < JOIN_WINDOW]
            self.failures[client] = recent
            return len(recent) >= FAILED_JOINS

    def failed(self, client: str) -> None:
        with self.lock:
            self.failures.setdefault(client, []).append(time.monotonic())


@dataclass
class Classroom:
    """What the app serves: the classes, the ensemble runner and who is a teacher."""

    store: ClassStore
    start_token: str
    origins: frozenset[str]
    join_url: str = "http://127.0.0.1:8765/"
    forecaster: Forecaster | None = field(default_factory=Forecaster)
    limiter: Limiter = field(default_factory=Limiter)


def _json_error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status, headers=SECURITY_HEADERS)


def _html(markup: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(markup, status_code=status, headers=SECURITY_HEADERS)


def _set_cookie(response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="strict", path="/", max_age=60 * 60 * 24 * 30
    )


def create_app(room: Classroom) -> Starlette:
    """The ASGI application serving ``room``."""

    def client(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def is_start(request: Request) -> bool:
        token = request.cookies.get(START_COOKIE, "")
        return bool(token) and secrets.compare_digest(token, room.start_token)

    def is_teacher(request: Request, session: ClassSession) -> bool:
        return is_start(request) or session.is_teacher(
            request.cookies.get(TEACHER_COOKIE.format(code=session.code))
        )

    def team_of(request: Request, session: ClassSession):
        return session.team_by_token(request.cookies.get(TEAM_COOKIE.format(code=session.code)))

    def find(request: Request) -> ClassSession | None:
        """The class in the path; a wrong code counts as a failed join."""
        session = room.store.get(request.path_params["code"])
        if session is None:
            room.limiter.failed(client(request))
        return session

    async def read_json(request: Request) -> dict[str, Any] | Response:
        """The POST body, if it is JSON sent by one of our own pages."""
        origin = request.headers.get("origin", "").lower()
        if origin not in room.origins:
            return _json_error("refused: the request did not come from this server's page", 403)
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _json_error("expected a JSON body", 415)
        try:
            body = await request.json()
        except ValueError:
            return _json_error("the body is not JSON")
        if not isinstance(body, dict):
            return _json_error("expected a JSON object")
        return body

    async def changed(session: ClassSession, work: Callable[[], Any]) -> Any:
        """Run a change to a class on a worker thread, under its lock, then save it."""

        def run() -> Any:
            with session.lock:
                result = work()
                room.store.save(session)
                return result

        return await run_in_threadpool(run)

    # --- pages -------------------------------------------------------------------------
    async def home(request: Request) -> Response:
        return _html(views.join_page())

    async def start(request: Request) -> Response:
        token = request.query_params.get("token")
        if token is not None:
            if not secrets.compare_digest(token, room.start_token):
                return _html(
                    views.page(
                        "Not allowed",
                        "<p>This teacher link is out of date: "
                        "use the one the server printed last.</p>",
                    ),
                    403,
                )
            response = RedirectResponse("/start", status_code=303)
            _set_cookie(response, START_COOKIE, token)
            return response
        if not is_start(request):
            return _html(
                views.page(
                    "Not allowed",
                    "<p>Open the teacher link the server printed when it started.</p>",
                ),
                403,
            )
        titles = await run_in_threadpool(scenario_titles)
        classes = sorted(room.store.classes.values(), key=lambda c: c.code)
        return _html(views.start_page(titles, classes))

    async def teacher(request: Request) -> Response:
        session = find(request)
        if session is None:
            return _html(views.page("No such class", "<p>No class has that code.</p>"), 404)
        if not is_teacher(request, session):
            return _html(
                views.page("Not allowed", "<p>Only the class's teacher may open its console.</p>"),
                403,
            )
        markup = await run_in_threadpool(
            lambda: _locked(
                session, lambda: views.teacher_page(session, room.forecaster, room.join_url)
            )
        )
        return _html(markup)

    async def team_view(request: Request) -> Response:
        session = find(request)
        if session is None:
            return _html(views.page("No such class", "<p>No class has that code.</p>"), 404)
        team = team_of(request, session)
        if team is None:
            return RedirectResponse(f"/c/{session.code}/join", status_code=303)
        return _html(
            await run_in_threadpool(
                lambda: _locked(session, lambda: views.team_page(session, team))
            )
        )

    async def join_seat(request: Request) -> Response:
        session = find(request)
        if session is None:
            return _html(views.page("No such class", "<p>No class has that code.</p>"), 404)
        if team_of(request, session) is not None:
            return RedirectResponse(f"/c/{session.code}/team", status_code=303)
        return _html(views.pick_country_page(session))

    async def projector(request: Request) -> Response:
        session = find(request)
        if session is None:
            return _html(views.page("No such class", "<p>No class has that code.</p>"), 404)
        return _html(
            await run_in_threadpool(
                lambda: _locked(session, lambda: views.projector_page(session, room.forecaster))
            )
        )

    async def debrief(request: Request) -> Response:
        session = find(request)
        if session is None or not is_teacher(request, session):
            return _html(
                views.page(
                    "Not allowed", "<p>Only the class's teacher may export its debrief.</p>"
                ),
                403,
            )

        def write() -> str:
            with session.lock:
                markup = debrief_html(session, room.forecaster)
            room.store.save_debrief(session, markup)
            return markup

        try:
            markup = await run_in_threadpool(write)
        except OutputError as exc:
            return _html(views.page("Not saved", f"<p>{views.e(str(exc))}</p>"), 409)
        return _html(markup)

    async def state(request: Request) -> Response:
        session = find(request)
        if session is None:
            return _json_error("no class has that code", 404)
        view = request.query_params.get("view", "")

        def rendered() -> tuple[dict[str, str], bool] | None:
            if view == "teacher":
                if not is_teacher(request, session):
                    return None
                return views.teacher_regions(session, room.forecaster, room.join_url)
            if view == "team":
                team = team_of(request, session)
                return None if team is None else (views.team_regions(session, team), True)
            if view == "projector":
                return views.projector_regions(session, room.forecaster)
            return None

        def render() -> tuple[dict[str, str], bool, str] | None:
            # The version is read under the same lock as the regions: read after it, an
            # action landing in between would pair old regions with the new version, and
            # every later poll would answer "unchanged" (the screen stuck until a reload).
            with session.lock:
                found = rendered()
                return None if found is None else (*found, _version(session))

        if request.query_params.get("v") and request.query_params["v"] == _version(session):
            return Response(status_code=204, headers=SECURITY_HEADERS)
        answer = await run_in_threadpool(render)
        if answer is None:
            return _json_error("not allowed", 403)
        regions, ready, current = answer
        version = current if ready else ""
        return JSONResponse(views.state_payload(regions, version), headers=SECURITY_HEADERS)

    # --- actions -----------------------------------------------------------------------
    async def join(request: Request) -> Response:
        body = await read_json(request)
        if isinstance(body, Response):
            return body
        if room.limiter.blocked(client(request)):
            return _json_error("too many wrong codes: wait a minute and try again", 429)
        session = room.store.get(str(body.get("code", "")))
        if session is None:
            room.limiter.failed(client(request))
            return _json_error("no class has that code: check it with your teacher", 404)
        return JSONResponse({"redirect": f"/c/{session.code}/join"}, headers=SECURITY_HEADERS)

    async def take_seat(request: Request) -> Response:
        body = await read_json(request)
        if isinstance(body, Response):
            return body
        session = find(request)
        if session is None:
            return _json_error("no class has that code", 404)
        if team_of(request, session) is not None:
            return JSONResponse({"redirect": f"/c/{session.code}/team"})
        try:
            team = await changed(
                session,
                lambda: session.join(str(body.get("country", "")), str(body.get("name", ""))),
            )
        except SessionError as exc:
            return _json_error(str(exc), 409)
        response = JSONResponse({"redirect": f"/c/{session.code}/team"}, headers=SECURITY_HEADERS)
        _set_cookie(response, TEAM_COOKIE.format(code=session.code), team.token)
        return response

    async def position(request: Request) -> Response:
        body = await read_json(request)
        if isinstance(body, Response):
            return body
        session = find(request)
        if session is None:
            return _json_error("no class has that code", 404)
        team = team_of(request, session)
        if team is None:
            return _json_error("only a team of this class may set a position", 403)
        if "tone" not in body:
            return _json_error("choose the tone you want")
        try:
            saved = await changed(
                session,
                lambda: session.set_position(
                    team.country, _int(body.get("tone")), _int(body.get("flexibility", 1))
                ),
            )
        except SessionError as exc:
            return _json_error(str(exc))
        return JSONResponse(
            {"message": f"Saved: tone {saved.tone} ±{saved.flexibility}."}, headers=SECURITY_HEADERS
        )

    async def act(request: Request) -> Response:
        body = await read_json(request)
        if isinstance(body, Response):
            return body
        session = find(request)
        if session is None:
            return _json_error("no class has that code", 404)
        if not is_teacher(request, session):
            return _json_error("only the class's teacher may do that", 403)
        what = str(body.get("act", ""))
        try:
            message = await changed(session, lambda: _teacher_action(session, what, body))
        except SessionError as exc:
            return _json_error(str(exc), 409)
        return JSONResponse({"message": message}, headers=SECURITY_HEADERS)

    async def new_class(request: Request) -> Response:
        body = await read_json(request)
        if isinstance(body, Response):
            return body
        if not is_start(request):
            return _json_error("only the teacher (with the server's link) may start a class", 403)
        scenario = str(body.get("scenario", ""))
        titles = await run_in_threadpool(scenario_titles)
        if scenario not in titles:
            return _json_error(f"no scenario {scenario!r}")
        try:
            seed = _int(body.get("seed", 0) or 0)
            if seed < 0:
                raise SessionError("the seed must be 0 or more")
            session = await run_in_threadpool(room.store.create, scenario, seed)
        except (SessionError, OutputError) as exc:
            return _json_error(str(exc))
        if room.forecaster is not None:
            room.forecaster.warm(session.scenario)
        response = JSONResponse(
            {"redirect": f"/c/{session.code}/teacher"}, headers=SECURITY_HEADERS
        )
        _set_cookie(response, TEACHER_COOKIE.format(code=session.code), session.teacher_token)
        return response

    async def css(request: Request) -> Response:
        return Response(assets.CSS, media_type="text/css", headers=SECURITY_HEADERS)

    async def js(request: Request) -> Response:
        return Response(assets.script(), media_type="text/javascript", headers=SECURITY_HEADERS)

    async def favicon(request: Request) -> Response:
        return Response(status_code=204, headers=SECURITY_HEADERS)

    async def guard(request: Request, call_next):
        if request.url.path.startswith(("/c/", "/api/")) and room.limiter.blocked(client(request)):
            return _json_error("too many wrong codes: wait a minute and try again", 429)
        return await call_next(request)

    routes = [
        Route("/", home),
        Route("/start", start),
        Route("/assets/app.css", css),
        Route("/favicon.ico", favicon),
        Route("/assets/app.js", js),
        Route("/c/{code}/teacher", teacher),
        Route("/c/{code}/team", team_view),
        Route("/c/{code}/join", join_seat),
        Route("/c/{code}/projector", projector),
        Route("/c/{code}/debrief", debrief),
        Route("/c/{code}/state", state),
        Route("/api/join", join, methods=["POST"]),
        Route("/api/classes", new_class, methods=["POST"]),
        Route("/api/c/{code}/team", take_seat, methods=["POST"]),
        Route("/api/c/{code}/position", position, methods=["POST"]),
        Route("/api/c/{code}/act", act, methods=["POST"]),
    ]
    from starlette.middleware import Middleware
    from starlette.middleware.base import BaseHTTPMiddleware

    return Starlette(routes=routes, middleware=[Middleware(BaseHTTPMiddleware, dispatch=guard)])


def _locked(session: ClassSession, render: Callable[[], str]) -> str:
    with session.lock:
        return render()


def _version(session: ClassSession) -> str:
    return f"{session.version}"


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SessionError(f"expected a whole number, got {value!r}") from None


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SessionError(f"expected a number, got {value!r}") from None


def _teacher_action(session: ClassSession, what: str, body: dict[str, Any]) -> str:
    """One teacher move; returns the line the console shows."""
    if what in ("advance", "year"):
        done = session.advance(1 if what == "advance" else 4)
        stopped = session.model.next_meeting() if session.teams else None
        note = f"; {stopped[0]} holds a meeting: open it" if stopped and what == "year" else ""
        plural = "" if done == 1 else "s"
        return f"Simulated {done} quarter{plural}: now at {session.model.clock}{note}."
    if what == "close":
        session.close_meeting()
        return "The meeting is closed."
    if what == "to_meeting":
        session.advance_to_meeting()
        return f"Simulated up to {session.model.clock}."
    if what == "open":
        table = session.open_meeting()
        return f"The {table.quarter.year} {table.meeting} meeting is open."
    if what == "hold":
        entry = session.hold_meeting()
        return f"The chair issued: {entry['sentence']}."
    if what == "card":
        return f"Played: {session.play_card(str(body.get('card', '')), body.get('member'))}."
    if what == "lever":
        return f"Set: {session.set_lever(str(body.get('name', '')), _float(body.get('value')))}."
    if what == "free_seat":
        session.free_seat(str(body.get("country", "")))
        return "The seat is free: the team can join again."
    raise SessionError(f"unknown action {what!r}")
