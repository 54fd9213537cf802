#!/usr/bin/env python3
"""trunk post-build hook: build the app's wasm, split it into lazily loaded
chunks, and start it from index.html.

trunk builds the two web workers and the styles; the app itself is built here
because trunk runs wasm-bindgen straight after cargo, and code splitting has
to happen in between (the same pipeline as `cargo leptos --split`):

  cargo rustc --features split -- -C link-args=--emit-relocs
      -> wasm-split-cli: the main module, plus one chunk per lazy route or
         `#[lazy]` function (and chunks of what several of them share), plus
         __wasm_split.js which fetches a chunk the first time it is needed
      -> wasm-bindgen --target web --keep-lld-exports (chunks share the main
         module's function table, so its export must stay)
      -> wasm-opt -Os on every module (release; smaller than -Oz once gzipped)
      -> (release) the main module's imports from the JS glue renamed to short
         names, in the wasm and the glue alike: wasm-bindgen names each import
         after its Rust binding plus a 16-digit hash, which is some 8 KB of
         incompressible text in the two files; then the glue and the chunk
         loader minified with terser

Everything lands in one directory named after the hash of its contents,
app-<hash>/, so all of it can be cached for a year (crates/server/src/spa.rs,
customHttp.yml), and a small external loader starts the app, so a static
`script-src 'self'` CSP covers it.

Before the app is built, the two web workers trunk built are moved into
directories named after their contents too (`hash_workers`), and the app is
compiled with their URLs. After it, a release build gets a brotli and a gzip
copy of every file that compresses (`precompress`), which `moodchat serve`
sends to browsers that accept them.
"""
import base64
import gzip
import hashlib
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

APP = "moodchat-web"
REPO = pathlib.Path(__file__).resolve().parent.parent


def run(*args: str) -> None:
    subprocess.run(args, check=True, cwd=REPO)


def tools_dir() -> pathlib.Path:
    """Where scripts/setup.sh installs the tools."""
    cache = pathlib.Path(os.environ.get("MOODCHAT_CACHE", pathlib.Path.home() / ".cache" / "moodchat"))
    return cache / "tools"


def tool(name: str) -> str:
    """A tool from PATH, or where scripts/setup.sh installs it."""
    for candidate in (shutil.which(name), tools_dir() / "cargo" / "bin" / name,
                      tools_dir() / "node_modules" / ".bin" / name):
        if candidate and pathlib.Path(candidate).exists():
            return str(candidate)
    sys.exit(f"build_app.py: {name} is missing; run scripts/setup.sh")


def target_dir() -> pathlib.Path:
    found = os.environ.get("CARGO_TARGET_DIR")
    return pathlib.Path(found) if found else REPO / "target"


def build_wasm(release: bool) -> pathlib.Path:
    profile = ["--release"] if release else []
    # --emit-relocs lets the splitter move functions between modules; it only
    # adds relocation sections, which wasm-bindgen drops afterwards.
    run("cargo", "rustc", "--target", "wasm32-unknown-unknown", "--bin", APP, "--features", "split",
        *profile, "--", "-C", "link-args=--emit-relocs")
    return target_dir() / "wasm32-unknown-unknown" / ("release" if release else "debug") / f"{APP}.wasm"


def split_bindgen_optimise(wasm: pathlib.Path, out: pathlib.Path, release: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        split = pathlib.Path(tmp)
        run(tool("wasm-split-cli"), "--target", "web", "--out-name", APP, str(wasm), str(split))
        run(tool("wasm-bindgen"), "--target", "web", "--no-typescript", "--keep-lld-exports",
            "--out-dir", str(out), "--out-name", APP, str(split / f"{APP}.wasm"))
        for chunk in split.iterdir():
            if chunk.name != f"{APP}.wasm":
                shutil.copy(chunk, out / chunk.name)
    if release:
        drop_stream_classes(out / f"{APP}_bg.wasm", out / f"{APP}.js")
        for module in out.glob("*.wasm"):
            run(tool("wasm-opt"), "-Os", str(module), "-o", str(module))
        shorten_imports(out / f"{APP}_bg.wasm", out / f"{APP}.js")
        minify_js(out / f"{APP}.js")
        minify_js(out / "__wasm_split.js")


def leb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def read_leb128(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def sections(data: bytes):
    """(id, start of the section, start of its body, end) of each section."""
    at = 8
    while at < len(data):
        size, body = read_leb128(data, at + 1)
        yield data[at], at, body, body + size
        at = body + size


def drop_stream_classes(wasm: pathlib.Path, glue: pathlib.Path) -> None:
    """Removes wasm-streams' three exported classes (IntoUnderlyingSource,
    IntoUnderlyingByteSource, IntoUnderlyingSink) from the glue and their
    exports from the main module, so wasm-opt drops their code and the
    imports only they used. Leptos links wasm-streams in for server
    functions' streaming bodies, which this app does not have; the exports
    kept them alive all the same."""
    text = glue.read_text(encoding="utf-8")
    if "export class IntoUnderlying" not in text:
        return
    text = re.sub(r"^export class IntoUnderlying\w* \{\n.*?^\}\n", "", text, flags=re.S | re.M)
    text = re.sub(r"^if \(Symbol\.dispose\) IntoUnderlying.*\n", "", text, flags=re.M)
    text = re.sub(r"^const IntoUnderlying\w*Finalization = .*?;\n", "", text, flags=re.S | re.M)
    if text.count("__wbindgen_enum_ReadableStreamType") == 1:
        text = re.sub(r"^const __wbindgen_enum_ReadableStreamType = .*\n", "", text, flags=re.M)
    if re.search(r"intounderlying|IntoUnderlying", text, flags=re.I):
        sys.exit(f"build_app.py: wasm-streams' classes are still used in {glue.name}")
    data = wasm.read_bytes()
    out = bytearray(data[:8])
    for section, start, body, end in sections(data):
        if section != 7:
            out += data[start:end]
            continue
        count, cursor = read_leb128(data, body)
        kept = []
        for _ in range(count):
            entry = cursor
            name_len, cursor = read_leb128(data, cursor)
            name = data[cursor:cursor + name_len].decode()
            cursor += name_len + 1
            _, cursor = read_leb128(data, cursor)
            if "intounderlying" not in name:
                kept.append(data[entry:cursor])
        new_body = leb128(len(kept)) + b"".join(kept)
        out += bytes([7]) + leb128(len(new_body)) + new_body
    wasm.write_bytes(bytes(out))
    glue.write_text(text, encoding="utf-8")


def short_names():
    """a, b, ... Z, aa, ab, ...: valid JS property names, none a keyword."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    keywords = {"do", "if", "in", "as", "of"}
    length = 1
    while True:
        for number in range(len(letters) ** length):
            name = ""
            for _ in range(length):
                name = letters[number % len(letters)] + name
                number //= len(letters)
            if name not in keywords:
                yield name
        length += 1


def shorten_imports(wasm: pathlib.Path, glue: pathlib.Path) -> None:
    """Renames the main module's imports from its JS glue (module
    `./<app>_bg.js`, named `__wbg_<binding>_<hash>` or `__wbindgen_...`) to
    short names, in the import section and in the glue's import object.
    The chunks import nothing from the glue (only from `__wasm_split`), so
    they are unaffected."""
    data = wasm.read_bytes()
    glue_module = f"./{APP}_bg.js".encode()
    names = short_names()
    renamed: dict[str, str] = {}
    out = bytearray(data[:8])
    at = 8
    while at < len(data):
        section = data[at]
        size, body = read_leb128(data, at + 1)
        end = body + size
        if section != 2:
            out += data[at:end]
            at = end
            continue
        count, cursor = read_leb128(data, body)
        new_body = bytearray(leb128(count))
        for _ in range(count):
            module_len, cursor = read_leb128(data, cursor)
            module = data[cursor:cursor + module_len]
            cursor += module_len
            field_len, cursor = read_leb128(data, cursor)
            field = data[cursor:cursor + field_len]
            cursor += field_len
            # The import's description: kind, then what the kind needs.
            start = cursor
            kind = data[cursor]
            cursor += 1
            if kind in (0x00, 0x04):  # function (type index), tag (attribute, type index)
                if kind == 0x04:
                    cursor += 1
                _, cursor = read_leb128(data, cursor)
            elif kind in (0x01, 0x02):  # table (reftype, limits), memory (limits)
                if kind == 0x01:
                    cursor += 1
                flags = data[cursor]
                cursor += 1
                _, cursor = read_leb128(data, cursor)
                if flags & 1:
                    _, cursor = read_leb128(data, cursor)
            elif kind == 0x03:  # global (valtype, mutability)
                cursor += 2
            else:
                sys.exit(f"build_app.py: unknown import kind {kind} in {wasm.name}")
            description = data[start:cursor]
            if module == glue_module:
                old = field.decode()
                if old not in renamed:
                    renamed[old] = next(names)
                field = renamed[old].encode()
            new_body += leb128(len(module)) + module + leb128(len(field)) + field + description
        if cursor != end:
            sys.exit(f"build_app.py: could not read the import section of {wasm.name}")
        out += bytes([2]) + leb128(len(new_body)) + new_body
        at = end
    text = glue.read_text(encoding="utf-8")
    # The import object's entries (`        name: function(...) {...},`) the
    # module no longer imports (wasm-opt removed their last caller) go.
    entries = re.compile(r"^        ([A-Za-z_$][\w$]*): ", re.M)
    start = text.index("    const import0 = {\n")
    end = text.index("\n    };\n", start)
    kept, cut = [text[:start]], start
    matches = [m for m in entries.finditer(text, start, end)]
    for match, following in zip(matches, matches[1:] + [None]):
        stop = following.start() if following else end + 1
        name = match.group(1)
        if name != "__proto__" and name not in renamed:
            kept.append(text[cut:match.start()])
            cut = stop
    text = "".join(kept) + text[cut:]
    found: set[str] = set()

    def rename(match: re.Match) -> str:
        found.add(match.group(0))
        return renamed[match.group(0)]

    text = re.sub(r"\b(?:" + "|".join(map(re.escape, sorted(renamed, key=len, reverse=True))) + r")\b", rename, text)
    if found != set(renamed):
        sys.exit(f"build_app.py: imports missing from {glue.name}: {sorted(set(renamed) - found)[:5]}")
    glue.write_text(text, encoding="utf-8")
    wasm.write_bytes(bytes(out))


def minify_js(script: pathlib.Path) -> None:
    """Minifies a generated ES module with terser: local names shortened,
    comments and whitespace dropped. Exports and property names (the wasm
    module's import names) are kept."""
    run(tool("terser"), str(script), "--module", "--compress", "--mangle", "--output", str(script))


def content_hash(directory: pathlib.Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(directory.iterdir()):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


def integrity(file: pathlib.Path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(file.read_bytes()).digest()).decode()


def main() -> None:
    staging = pathlib.Path(os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else "dist"))
    release = os.environ.get("TRUNK_PROFILE", "debug") == "release"
    public_url = os.environ.get("TRUNK_PUBLIC_URL", "/")
    if not public_url.endswith("/"):
        public_url += "/"

    os.environ.update(hash_workers(staging, public_url))
    wasm = build_wasm(release)
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "app"
        out.mkdir()
        split_bindgen_optimise(wasm, out, release)
        (out / "loader.js").write_text(
            f"import init from './{APP}.js';\n"
            f"await init({{ module_or_path: new URL('./{APP}_bg.wasm', import.meta.url) }});\n",
            encoding="utf-8",
        )
        app_dir = staging / f"app-{content_hash(out)}"
        shutil.copytree(out, app_dir)

    one_stylesheet(staging, public_url)

    base = f"{public_url}{app_dir.name}"
    tags = (
        f'<link rel="modulepreload" href="{base}/{APP}.js" integrity="{integrity(app_dir / f"{APP}.js")}" crossorigin="anonymous">'
        f'<link rel="preload" as="fetch" type="application/wasm" href="{base}/{APP}_bg.wasm" crossorigin="anonymous">'
        f'<script type="module" src="{base}/loader.js" integrity="{integrity(app_dir / "loader.js")}" crossorigin="anonymous"></script>'
    )
    index = staging / "index.html"
    html = index.read_text(encoding="utf-8")
    # trunk leaves its (skipped) `rel=rust` link to Cargo.toml in the page.
    html = re.sub(r"<link [^>]*\brel=\"?rust\"?>", "", html)
    html, count = re.subn(r"</head>", tags + "</head>", html, count=1)
    if count != 1:
        sys.exit("build_app.py: index.html has no </head> to put the app's loader in")
    index.write_text(html, encoding="utf-8")

    if release and os.environ.get("MOODCHAT_PRECOMPRESS", "1") != "0":
        precompress(staging)


def one_stylesheet(staging: pathlib.Path, public_url: str) -> None:
    """Joins the page's stylesheets (style/main.css, style/chat.css, as trunk
    copied them) into one, `style-<hash>.css`: one request fewer before the
    first paint, and one gzip stream, which is 0.6 KB smaller than two."""
    index = staging / "index.html"
    html = index.read_text(encoding="utf-8")
    link = re.compile(r'<link href="?' + re.escape(public_url) + r'([\w.-]+\.css)"? integrity="?[\w+/=-]+"? rel="?stylesheet"?>')
    found = link.findall(html)
    if len(found) < 2:
        return
    css = "".join((staging / name).read_text(encoding="utf-8") for name in found)
    name = f"style-{hashlib.sha256(css.encode()).hexdigest()[:16]}.css"
    (staging / name).write_text(css, encoding="utf-8")
    for old in found:
        (staging / old).unlink()
    tag = f'<link href="{public_url}{name}" integrity="{integrity(staging / name)}" rel="stylesheet">'
    html = link.sub(lambda _: "", html)
    html, count = re.subn(r"</title>", "</title>" + tag, html, count=1)
    if count != 1:
        sys.exit("build_app.py: index.html has no </title> to put the stylesheet after")
    index.write_text(html, encoding="utf-8")


# The web workers trunk builds (index.html), with the environment variable
# that gives the app the URL of each one's loader at compile time
# (src/auth/srp_worker.rs, src/chat/mood_worker.rs).
WORKERS = {
    "moodchat-srp-worker": "MOODCHAT_SRP_WORKER_URL",
    "moodchat-mood-worker": "MOODCHAT_MOOD_WORKER_URL",
}


def hash_workers(staging: pathlib.Path, public_url: str) -> dict[str, str]:
    """Moves each web worker's files into a directory named after their
    contents, `<worker>-<hash>/`, so they can be cached for a year like the
    app (crates/server/src/spa.rs, customHttp.yml). trunk names a worker's
    files after its binary (`<worker>.js`, `<worker>_bg.wasm`,
    `<worker>_loader.js`), never after their contents, since the page's code
    names the worker's URL; the loader imports the other two by relative
    URLs, which still resolve in the directory. Returns the environment the
    app is then built with: each worker's loader URL."""
    environment = {}
    for worker, variable in WORKERS.items():
        files = [staging / f"{worker}{suffix}" for suffix in (".js", "_bg.wasm", "_loader.js")]
        missing = [file.name for file in files if not file.is_file()]
        if missing:
            sys.exit(f"build_app.py: trunk did not build the worker {worker}: {', '.join(missing)} missing")
        pending = staging / f"{worker}-pending"
        pending.mkdir()
        for file in files:
            file.rename(pending / file.name)
        directory = pending.rename(staging / f"{worker}-{content_hash(pending)}")
        environment[variable] = f"{public_url}{directory.name}/{worker}_loader.js"
    return environment


# What is worth compressing: text and wasm (images and fonts already are).
COMPRESSIBLE = {".html", ".js", ".wasm", ".css", ".svg", ".json", ".txt"}


def precompress(staging: pathlib.Path) -> None:
    """Writes a brotli copy (`<file>.br`, quality 11) and a gzip copy
    (`<file>.gz`, level 9) beside every file of the build worth compressing,
    for `moodchat serve` to send whichever the browser accepts without
    compressing anything per request (crates/server/src/spa.rs). A copy that
    would not be smaller than its file is not written; the server then sends
    the file. Release builds only (a debug build is served as it is); set
    MOODCHAT_PRECOMPRESS=0 where the host compresses by itself (Amplify
    Hosting, amplify.yml)."""
    brotli = brotli_module()
    for file in sorted(staging.rglob("*")):
        if not file.is_file() or file.suffix not in COMPRESSIBLE:
            continue
        data = file.read_bytes()
        copies = {
            ".br": brotli.compress(data, quality=11),
            # mtime 0: the same build gives the same bytes.
            ".gz": gzip.compress(data, compresslevel=9, mtime=0),
        }
        for suffix, compressed in copies.items():
            if len(compressed) < len(data):
                file.with_name(file.name + suffix).write_bytes(compressed)


def brotli_module():
    """Google's brotli for Python (PyPI `Brotli`), which scripts/setup.sh
    installs, pinned, into the tools directory."""
    sys.path.insert(0, str(tools_dir() / "python"))
    try:
        import brotli
    except ImportError:
        sys.exit("build_app.py: the brotli module is missing; run scripts/setup.sh")
    return brotli


if __name__ == "__main__":
    main()
