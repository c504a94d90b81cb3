"""Commands for the shift handover pack and the incident bundle."""

from __future__ import annotations

import argparse
from pathlib import Path

from contingency.commands.base import EXIT_OK, Commands, emit, record_id, store_for
from contingency.rules.times import format_local, to_utc_iso
from contingency.services.errors import BadInput


def register(cmds: Commands) -> None:
    pack = cmds.add("handover", "write the shift handover pack (Markdown, PDF, DOCX) and complete the handover step",
                    cmd_handover)
    pack.add_argument("incident", type=record_id)
    pack.add_argument("--out", type=Path, required=True, help="the folder to write it to")
    note = pack.add_mutually_exclusive_group()
    note.add_argument("--note", default="", help="the officer's note: the only free text in the pack")
    note.add_argument("--note-file", type=Path, help="read the officer's note from this file (UTF-8)")
    pack.add_argument("--format", default="md,pdf,docx", help="md, pdf, docx, comma-separated (default all three; "
                                                              "the Markdown is always written)")

    export = cmds.add("export", "write the incident bundle for audit: tables as JSON, CSVs, documents with their "
                                "SHA-256, the log and its chain head; a folder and a zip", cmd_export)
    export.add_argument("incident", type=record_id)
    export.add_argument("--out", type=Path, required=True, help="the folder to write the bundle into")
    export.add_argument("--for", dest="for_body", metavar="la:CODE|icb:CODE",
                        help="only what concerns this council's or ICB's people, for handing to it")
    export.add_argument("--letters", action="append", type=Path, default=[], metavar="DIR",
                        help="a folder the letters or claim documents were written to (repeatable; "
                             "~/contingency-letters/INC<id> and ~/contingency-claims/INC<id> are always looked in)")


def _note(args: argparse.Namespace) -> str:
    if args.note_file is None:
        return args.note
    try:
        return args.note_file.expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise BadInput(f"--note-file {args.note_file}: cannot read it ({reason})") from None


def cmd_handover(args: argparse.Namespace) -> int:
    from contingency.services.handover import generate

    note = _note(args)
    store = store_for(args)
    result = generate(store, args.incident, args.out, note=note, formats=args.format.split(","))
    pack = result.pack
    data = {"id": pack.id, "incident_id": pack.incident_id, "as_at": to_utc_iso(pack.as_at),
            "since": to_utc_iso(pack.since), "log_head": pack.log_head, "path": pack.path, "sha256": pack.sha256,
            "files": [{"path": str(p), **f} for p, f in zip(result.paths, pack.files, strict=False)],
            "step": result.step, "counts": result.counts}
    text = "\n".join([*(str(p) for p in result.paths),
                      f"as at {format_local(pack.as_at)}; log {pack.log_head}; {result.step}"])
    emit(args, data, text)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from contingency.services.bundle import export

    store = store_for(args)
    result = export(store, args.incident, args.out, for_body=args.for_body, letter_dirs=args.letters)
    data = {"folder": str(result.folder), "zip": str(result.zip_path), "zip_sha256": result.zip_sha256,
            "for": result.for_ref, "people": result.people, "exercise": result.exercise,
            "chain_head": result.head, "log_verified": result.verified, "problem": result.problem,
            "files": [{"name": name, "sha256": digest} for name, digest in result.files],
            "documents": [{"kind": d.kind, "reference": d.reference, "name": d.name, "sha256": d.sha256,
                           "status": d.status} for d in result.documents]}
    lines = [str(result.folder), str(result.zip_path),
             (f"{len(result.files)} files; log {'verified' if result.verified else 'FAILED: ' + result.problem}; "
             f"chain head {result.head}")]
    for document in result.flagged:
        words = "HASH DIFFERS from the store's record" if document.status == "hash-differs" else "not found"
        lines.append(f"⚠ {document.name}: {words}")
    emit(args, data, "\n".join(lines))
    return EXIT_OK
