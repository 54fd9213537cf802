#!/usr/bin/env python3
"""trunk post-build hook: move trunk's inline module loader into its own file.

trunk writes a small inline <script type="module"> into index.html that
imports the hashed JS and starts the wasm. Its text changes with every build
(it names the hashed files), so a Content-Security-Policy would need a new
hash each time. As an external, content-hashed file it is covered by a static
`script-src 'self'`, the same on Amplify (customHttp.yml) and on the
embedded server.
"""
import base64
import hashlib
import os
import pathlib
import re
import sys

staging = pathlib.Path(os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else "dist"))
index = staging / "index.html"
html = index.read_text(encoding="utf-8")

inline = re.compile(r'<script type="?module"?>(?P<body>.*?)</script>', re.S)  # minified or not
found = inline.search(html)
if found is None:
    sys.exit(0)  # already external (or trunk changed its output: nothing to do)

body = found.group("body").strip() + "\n"
digest = hashlib.sha256(body.encode()).hexdigest()[:16]
name = f"loader-{digest}.js"
(staging / name).write_text(body, encoding="utf-8")
integrity = "sha384-" + base64.b64encode(hashlib.sha384(body.encode()).digest()).decode()
tag = f'<script type="module" src="/{name}" integrity="{integrity}" crossorigin="anonymous"></script>'
index.write_text(html[: found.start()] + tag + html[found.end():], encoding="utf-8")
