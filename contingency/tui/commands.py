"""Every key of the current screen as a named command, so the palette and help can list what the footer
has no room for at 80 columns.

One list serves three readers: the footer (what fits, most important first), help (everything, in
plain key names) and the command palette (every enabled action by name). A key bound anywhere on
the screen therefore turns up in all three without anyone having to remember to register it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.keys import format_key
from textual.screen import Screen

if TYPE_CHECKING:
    from textual.dom import DOMNode

# How far forward an action goes: the incident's sections (a screen's grouped keys) are how the
# officer gets anywhere, so they lead; then what works on the section in front of them; then the
# screen's own actions; then help and quit; Textual's stock keys (cursor, tab) come last.
NAVIGATION, SECTION, SCREEN, APP, STOCK = range(5)

_NAMED = {"escape": "escape", "enter": "enter", "space": "space", "tab": "tab", "delete": "delete",
          "backspace": "backspace"}


def key_name(binding: Binding) -> str:
    """The key as an officer would say it: `?` not question_mark, `ctrl+p` not ^p, `escape` not esc."""
    modifiers, key = binding.parse_key()
    if key in _NAMED or len(key) == 1:
        plain = _NAMED.get(key, key)
    else:
        # format_key knows the punctuation names (slash, question_mark); the rest read as they are (f1, pageup).
        shown = format_key(key)
        plain = shown if len(shown) == 1 and shown.isascii() and shown.isprintable() else key
    return "+".join([*modifiers, plain])


@dataclass(frozen=True)
class KeyAction:
    """One action on the screen and every key bound to it."""

    node: DOMNode
    bindings: tuple[Binding, ...]
    enabled: bool
    rank: int

    @property
    def binding(self) -> Binding:
        return self.bindings[0]

    @property
    def action(self) -> str:
        return self.binding.action

    @property
    def description(self) -> str:
        if self.action == "command_palette":
            return "Command palette"
        return self.binding.description

    @property
    def tooltip(self) -> str:
        if self.action == "command_palette":
            return "Every action on this screen, by name: type a word such as 'decision' or 'letter'"
        return next((b.tooltip for b in self.bindings if b.tooltip), "")

    @property
    def shown(self) -> bool:
        return any(b.show for b in self.bindings)

    @property
    def keys(self) -> str:
        return ", ".join(dict.fromkeys(key_name(b) for b in self.bindings))

    @property
    def name(self) -> str:
        """The palette's wording: the short footer label, then what it does in full."""
        return f"{self.label} — {self.tooltip}" if self.tooltip else self.label

    @property
    def label(self) -> str:
        return f"Go to {self.description}" if self.rank == NAVIGATION else self.description


def _ours(node: DOMNode, binding: Binding) -> bool:
    """Declared in contingency's own BINDINGS (not inherited from a Textual widget)."""
    for cls in type(node).__mro__:
        if not cls.__module__.startswith("contingency"):
            continue
        for declared in cls.__dict__.get("BINDINGS", ()):
            if isinstance(declared, Binding) and declared.action == binding.action and (
                    declared.id == binding.id or declared.description == binding.description):
                return True
    return False


def _rank(screen: Screen, node: DOMNode, binding: Binding) -> int:
    if binding.action == "command_palette":
        return APP
    if not _ours(node, binding):
        return STOCK
    if node is screen.app:
        return APP
    if node is screen:
        return NAVIGATION if binding.group is not None else SCREEN
    return SECTION


def screen_actions(screen: Screen) -> list[KeyAction]:
    """The actions live on `screen` right now (its focused widget, the screen, the app), most important
    first. Keys the focused widget swallows (an Input's letters) are already left out by Textual."""
    grouped: dict[tuple[int, str], list] = {}
    for node, binding, enabled, _tooltip in screen.active_bindings.values():
        entry = grouped.setdefault((id(node), binding.action), [node, [], enabled])
        entry[1].append(binding)
        entry[2] = entry[2] or enabled
    actions = [KeyAction(node, tuple(bindings), enabled, _rank(screen, node, bindings[0]))
               for node, bindings, enabled in grouped.values()]
    # Quit goes last of the app's keys: ctrl+q is known to all, and nothing is lost by not seeing it.
    return sorted(actions, key=lambda a: (a.rank, a.action == "quit"))


def palette_actions(screen: Screen) -> list[KeyAction]:
    """What the palette offers: every enabled action of ours with a name. The app's own (help, quit,
    what's next) are system commands already, so they are not offered twice."""
    return [a for a in screen_actions(screen)
            if a.enabled and a.rank < APP and a.description and not a.action.startswith("app.")]


class ScreenActions(Provider):
    """The palette's view of the current screen's keys: type any word of the name or of what it does."""

    def _actions(self) -> list[KeyAction]:
        return palette_actions(self.screen)

    def _hit_help(self, action: KeyAction) -> str:
        return f"key: {action.keys}"

    def _elsewhere(self) -> list[tuple[str, str, str, object]]:
        """Actions of the screen's other sections (an incident's), when the screen offers them."""
        offer = getattr(self.screen, "elsewhere_actions", None)
        return offer() if offer else []

    async def discover(self) -> Hits:
        for action in self._actions():
            yield DiscoveryHit(action.name, partial(self.app.run_action, action.action, action.node),
                               help=self._hit_help(action))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in self._actions():
            # Textual's fuzzy score ignores where a word falls, so 'decision' tied between "Decision — ..."
            # and "Go to Log — ... the decisions": the short label's own match puts the action itself first.
            score = matcher.match(action.name)
            if score > 0:
                score += matcher.match(action.label)
                yield Hit(score, matcher.highlight(action.name),
                          partial(self.app.run_action, action.action, action.node),
                          text=action.name, help=self._hit_help(action))
        for section, label, tooltip, run in self._elsewhere():
            name = f"{section}: {label}" + (f" — {tooltip}" if tooltip else "")
            score = matcher.match(name)
            if score > 0:
                # Below the same words on the section in front of the officer, which are ranked above.
                yield Hit(score * 0.9, matcher.highlight(name), run, text=name,
                          help=f"opens {section} first")
