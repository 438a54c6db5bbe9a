#!/usr/bin/env python3
"""Generates the dev-server corpus under benches/data/ (deterministic: seeded).

Each tool's file is what a dev session prints over a while: startup banners with URLs, request
and rebuild chatter, warnings, and now and then an error with a stack trace, with the ANSI
colours the tools really use. Run from anywhere: python3 benches/data/gen_corpus.py
"""
import os
import random

R = random.Random(17)
OUT = os.path.dirname(os.path.abspath(__file__))

RST, B, D = "\x1b[0m", "\x1b[1m", "\x1b[2m"
RED, GRN, YEL, BLU, MAG, CYN, GRY = (
    "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[34m", "\x1b[35m", "\x1b[36m", "\x1b[90m")
E39, E22 = "\x1b[39m", "\x1b[22m"

FILES = ["src/App.tsx", "src/main.tsx", "src/components/Header.tsx", "src/components/Table.tsx",
         "src/pages/Settings.tsx", "src/hooks/useSession.ts", "src/api/client.ts",
         "src/styles/app.css", "src/routes/index.tsx", "src/store/cart.ts"]
PATHS = ["/", "/api/users", "/api/users/42", "/api/orders?page=2", "/health", "/login",
         "/static/app.js", "/favicon.ico", "/api/v1/items/7", "/dashboard", "/ws"]


def clock():
    h, m, s = R.randint(9, 18), R.randint(0, 59), R.randint(0, 59)
    return h, m, s


def t12():
    h, m, s = clock()
    return f"{(h - 1) % 12 + 1}:{m:02}:{s:02} {'AM' if h < 12 else 'PM'}"


def vite():
    out = [f"  {GRN}{B}VITE{E22} v5.4.2{E39}  {D}ready in {RST}{B}{R.randint(200, 900)}{E22}{D} ms{RST}", "",
           f"  {GRN}\u279c{E39}  {B}Local{E22}:   {CYN}http://localhost:{B}5173{E22}/{E39}",
           f"  {GRN}\u279c{E39}  {B}Network{E22}: {CYN}http://192.168.1.23:{B}5173{E22}/{E39}",
           f"  {GRN}\u279c{E39}  {D}press {RST}{B}h + enter{E22}{D} to show help{RST}"]
    while len(out) < 300:
        r = R.random()
        f = R.choice(FILES)
        if r < 0.55:
            out.append(f"{D}{t12()}{E22} {CYN}{B}[vite]{E22}{E39} {GRN}hmr update {E39}{D}/{f}{E22}")
        elif r < 0.7:
            out.append(f"{D}{t12()}{E22} {CYN}{B}[vite]{E22}{E39} {GRN}page reload {E39}{D}{f}{E22}")
        elif r < 0.8:
            out.append(f"{D}{t12()}{E22} {YEL}{B}[vite]{E22}{E39} {YEL}warning: {f} is imported by "
                       f"{R.choice(FILES)}, but could not be resolved as a dependency{E39}")
        else:
            ln, col = R.randint(1, 80), R.randint(1, 30)
            out += [f"{D}{t12()}{E22} {RED}{B}[vite]{E22}{E39} {RED}Internal server error: Failed to resolve "
                    f"import \"./Missing{ln}\" from \"{f}\". Does the file exist?{E39}",
                    f"  Plugin: {YEL}vite:import-analysis{E39}",
                    f"  File: {CYN}/home/dev/shop/{f}{E39}:{ln}:{col}",
                    f"  {ln - 1}  |  import React from 'react'",
                    f"  {ln}  |  import Missing from './Missing{ln}'",
                    "     |                       ^",
                    "      at formatError (file:///home/dev/shop/node_modules/vite/dist/node/chunks/dep-CDnG8rE7.js:50647:46)",
                    "      at TransformContext.error (file:///home/dev/shop/node_modules/vite/dist/node/chunks/dep-CDnG8rE7.js:50641:19)",
                    "      at async TransformContext.transform (file:///home/dev/shop/node_modules/vite/dist/node/chunks/dep-CDnG8rE7.js:64063:15)"]
    return out


def next_js():
    out = [f"  {B}\u25b2 Next.js 14.2.5{E22}", "  - Local:        http://localhost:3000",
           "  - Environments: .env.local", "", f" {GRN}\u2713{E39} Starting...",
           f" {GRN}\u2713{E39} Ready in {R.randint(12, 40) / 10}s"]
    pages = ["/", "/dashboard", "/api/auth/session", "/settings", "/products/[id]", "/cart", "/_not-found"]
    while len(out) < 300:
        r = R.random()
        p = R.choice(pages)
        if r < 0.35:
            out.append(f" {YEL}\u25cb{E39} Compiling {p} ...")
            out.append(f" {GRN}\u2713{E39} Compiled {p} in {R.randint(80, 3000)}ms ({R.randint(300, 1500)} modules)")
        elif r < 0.7:
            code = R.choice([200, 200, 200, 304, 404, 500])
            out.append(f" GET {p.replace('[id]', str(R.randint(1, 99)))} {code} in {R.randint(5, 900)}ms")
        elif r < 0.8:
            out.append(f" {YEL}\u26a0{E39} Fast Refresh had to perform a full reload due to a runtime error.")
        else:
            f = R.choice(["./app/page.tsx", "./app/dashboard/page.tsx", "./components/Nav.tsx"])
            out += [f" {RED}\u2a2f{E39} {f}:{R.randint(1, 60)}:{R.randint(1, 20)}",
                    "Module not found: Can't resolve './Missing'", "",
                    "https://nextjs.org/docs/messages/module-not-found",
                    f" {RED}\u2a2f{E39} TypeError: Cannot read properties of undefined (reading 'map')",
                    f"    at Page ({f}:{R.randint(5, 40)}:23)",
                    "    at renderWithHooks (/home/dev/web/node_modules/next/dist/compiled/react-dom/cjs/react-dom-server.edge.development.js:5658:16)",
                    "    at renderIndeterminateComponent (/home/dev/web/node_modules/next/dist/compiled/react-dom/cjs/react-dom-server.edge.development.js:5731:15)",
                    f" GET {p} 500 in {R.randint(20, 400)}ms"]
    return out


def webpack():
    out = [f"{B}<i>{E22} {GRN}[webpack-dev-server] Project is running at:{E39}",
           f"{B}<i>{E22} {GRN}[webpack-dev-server] Loopback: {CYN}http://localhost:8080/{E39}{E39}",
           f"{B}<i>{E22} {GRN}[webpack-dev-server] On Your Network (IPv4): {CYN}http://192.168.1.23:8080/{E39}{E39}",
           f"{B}<i>{E22} {GRN}[webpack-dev-server] Content not from webpack is served from '/home/dev/app/public' directory{E39}"]
    while len(out) < 300:
        r = R.random()
        if r < 0.5:
            out += [f"asset {YEL}{B}main.js{E22}{E39} {R.randint(100, 2000) / 100} MiB {GRN}{B}[emitted]{E22}{E39} (name: main)",
                    f"asset {YEL}{B}index.html{E22}{E39} {R.randint(200, 900)} bytes {GRN}{B}[emitted]{E22}{E39}",
                    f"webpack 5.93.0 compiled {GRN}{B}successfully{E22}{E39} in {R.randint(40, 2500)} ms"]
        elif r < 0.7:
            f = R.choice(FILES).replace(".tsx", ".js")
            out += [f"{YEL}WARNING{E39} in ./{f} {R.randint(1, 90)}:0-{R.randint(10, 40)}",
                    f"export 'default' (imported as 'Table') was not found in './{f}'",
                    f"webpack 5.93.0 compiled with {YEL}{B}1 warning{E22}{E39} in {R.randint(40, 900)} ms"]
        else:
            f = R.choice(FILES).replace(".tsx", ".js")
            out += [f"{RED}ERROR{E39} in {B}./{f}{E22} {GRN}{R.randint(1, 90)}:0-28{E39}",
                    f"Module not found: Error: Can't resolve './missing' in '/home/dev/app/src'",
                    f" @ ./{f} 3:0-28", f" @ ./src/index.js 5:0-{R.randint(10, 40)}", "",
                    f"webpack 5.93.0 compiled with {RED}{B}1 error{E22}{E39} in {R.randint(40, 900)} ms"]
    return out


def jest():
    out = []
    suites = ["calc", "cart", "session", "api/client", "hooks/useSession", "utils/format", "store/cart"]
    while len(out) < 300:
        s = R.choice(suites)
        if R.random() < 0.75:
            out.append(f"{GRN}{B}\x1b[7m PASS \x1b[27m{E22}{E39} {D}src/{E22}{B}{s}.test.js{E22} ({R.randint(1, 30) / 10} s)")
            for t in R.sample(["adds", "removes", "formats", "parses", "renders", "handles empty", "retries"], 3):
                out.append(f"    {GRN}\u2713{E39} {D}{t} ({R.randint(1, 40)} ms){E22}")
        else:
            out += [f"{RED}{B}\x1b[7m FAIL \x1b[27m{E22}{E39} {D}src/{E22}{B}{s}.test.js{E22}",
                    f"  {s}", f"    {GRN}\u2713{E39} {D}adds ({R.randint(1, 9)} ms){E22}",
                    f"    {RED}\u2715{E39} {D}subtracts ({R.randint(1, 9)} ms){E22}", "",
                    f"{RED}{B}  \u25cf {s} \u203a subtracts{E22}{E39}", "",
                    f"    {D}expect({E22}{RED}received{E39}{D}).{E22}toBe{D}({E22}{GRN}expected{E39}{D}) // Object.is equality{E22}",
                    "", f"    Expected: {GRN}{R.randint(0, 9)}{E39}", f"    Received: {RED}{R.randint(10, 99)}{E39}", "",
                    f"      {D}at Object.<anonymous> ({E22}{CYN}src/{s}.test.js{E39}{D}:{R.randint(5, 60)}:{R.randint(10, 30)}){E22}",
                    f"      {D}at Promise.then.completed (node_modules/jest-circus/build/utils.js:298:28){E22}", ""]
        if R.random() < 0.15:
            f, p = R.randint(0, 3), R.randint(20, 60)
            out += [f"{B}Tests:{E22}       {RED}{B}{f} failed{E22}{E39}, {GRN}{B}{p} passed{E22}{E39}, {f + p} total",
                    f"{B}Time:{E22}        {R.randint(10, 90) / 10} s", f"{D}Ran all test suites related to changed files.{E22}"]
    return out


def cargo():
    crates = ["serde v1.0.204", "tokio v1.39.2", "hyper v1.4.1", "regex v1.10.5", "axum v0.7.5", "tracing v0.1.40"]
    out = []
    while len(out) < 300:
        r = R.random()
        if r < 0.45:
            out.append(f"{GRN}{B}   Compiling{E22}{E39} {R.choice(crates)}")
        elif r < 0.6:
            out += [f"{GRN}{B}   Compiling{E22}{E39} devapp v0.1.0 (/home/dev/devapp)",
                    f"{GRN}{B}    Finished{E22}{E39} `dev` profile [unoptimized + debuginfo] target(s) in {R.randint(5, 400) / 10}s",
                    f"{GRN}{B}     Running{E22}{E39} `target/debug/devapp`",
                    f"2026-11-30T10:{R.randint(0, 59):02}:{R.randint(0, 59):02}.{R.randint(0, 999999):06}Z {GRN} INFO{RST} devapp: listening on http://127.0.0.1:{R.choice([3000, 8000, 8080])}"]
        elif r < 0.75:
            v = R.choice(["y", "tmp", "count", "req"])
            ln = R.randint(3, 200)
            out += [f"{YEL}{B}warning{E22}{E39}{B}: unused variable: `{v}`{E22}",
                    f" \x1b[94m{B}-->{E22}{E39} src/handlers.rs:{ln}:9",
                    f"  \x1b[94m{B}|{E22}{E39}",
                    f"\x1b[94m{B}{ln}{E22}{E39} \x1b[94m{B}|{E22}{E39}     let {v} = 1;",
                    f"  \x1b[94m{B}={E22}{E39} {B}note{E22}: `#[warn(unused_variables)]` on by default", ""]
        elif r < 0.85:
            out.append(f"2026-11-30T10:{R.randint(0, 59):02}:{R.randint(0, 59):02}.{R.randint(0, 999999):06}Z {GRN} INFO{RST} "
                       f"tower_http::trace: finished processing request latency={R.randint(1, 90)} ms status={R.choice([200, 200, 404, 500])}")
        else:
            ln = R.randint(3, 200)
            out += [f"{RED}{B}error[E0308]{E22}{E39}{B}: mismatched types{E22}",
                    f" \x1b[94m{B}-->{E22}{E39} src/routes.rs:{ln}:18",
                    f"  \x1b[94m{B}|{E22}{E39}",
                    f"\x1b[94m{B}{ln}{E22}{E39} \x1b[94m{B}|{E22}{E39}     let n: u32 = \"five\";",
                    f"  \x1b[94m{B}|{E22}{E39}            ---   {RED}{B}^^^^^^ expected `u32`, found `&str`{E22}{E39}", "",
                    f"{RED}{B}error{E22}{E39}{B}: could not compile `devapp` (bin \"devapp\") due to 1 previous error{E22}",
                    "thread 'main' panicked at src/main.rs:42:10:",
                    "called `Result::unwrap()` on an `Err` value: Os { code: 98, kind: AddrInUse, message: \"Address already in use\" }",
                    "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace"]
    return out


def go_test():
    pkgs = ["example.com/shop/cart", "example.com/shop/api", "example.com/shop/store", "example.com/shop/auth"]
    out = []
    while len(out) < 300:
        r = R.random()
        t = R.choice(["TestAdd", "TestCheckout", "TestLogin", "TestListItems", "TestParseConfig", "TestRetry"])
        if r < 0.55:
            out += [f"=== RUN   {t}", f"--- PASS: {t} ({R.randint(0, 90) / 100:.2f}s)"]
        elif r < 0.7:
            out.append(f"ok  \t{R.choice(pkgs)}\t{R.randint(1, 900) / 1000:.3f}s")
        elif r < 0.85:
            out += [f"=== RUN   {t}", f"--- FAIL: {t} ({R.randint(0, 90) / 100:.2f}s)",
                    f"    {t.lower()[4:]}_test.go:{R.randint(10, 90)}: got {R.randint(0, 9)}, want {R.randint(10, 19)}",
                    "FAIL", f"FAIL\t{R.choice(pkgs)}\t{R.randint(1, 900) / 1000:.3f}s"]
        else:
            out += [f"panic: runtime error: index out of range [{R.randint(3, 9)}] with length 3", "",
                    "goroutine 7 [running]:",
                    f"{R.choice(pkgs)}.(*Cart).Total(0xc000126000)",
                    f"\t/home/dev/shop/cart/cart.go:{R.randint(20, 90)} +0x1d",
                    f"{R.choice(pkgs)}.{t}(0xc000103520)",
                    f"\t/home/dev/shop/cart/cart_test.go:{R.randint(10, 60)} +0x65",
                    "testing.tRunner(0xc000103520, 0x5b6a38)", "\t/usr/local/go/src/testing/testing.go:1689 +0xfb",
                    "exit status 2", f"FAIL\t{R.choice(pkgs)}\t0.011s"]
    return out


def pytest():
    out = []
    while len(out) < 300:
        out += [f"{B}============================= test session starts =============================={E22}",
                "platform linux -- Python 3.12.4, pytest-8.3.2, pluggy-1.5.0", "rootdir: /home/dev/api",
                f"{B}collected {R.randint(10, 80)} items{E22}", ""]
        for m in R.sample(["tests/test_items.py", "tests/test_users.py", "tests/test_auth.py", "tests/test_orders.py"], 3):
            marks = "".join(R.choice([f"{GRN}.{E39}"] * 8 + [f"{RED}F{E39}"]) for _ in range(R.randint(5, 20)))
            out.append(f"{m} {marks}{GRN}  [{R.randint(10, 100)}%]{E39}")
        if R.random() < 0.5:
            f = R.choice(["test_create_item", "test_login_bad_password", "test_list_orders"])
            out += ["", "=================================== FAILURES ===================================",
                    f"{RED}{B}___________________________________ {f} ___________________________________{E22}{E39}", "",
                    f"    def {f}(client):", "        r = client.post('/items', json={'name': 'x'})",
                    f">       assert r.status_code == 201", f"{RED}{B}E       assert 422 == 201{E22}{E39}",
                    f"{RED}{B}E        +  where 422 = <Response [422]>.status_code{E22}{E39}", "",
                    f"{RED}{B}tests/test_items.py{E22}{E39}:{R.randint(10, 90)}: AssertionError",
                    f"{RED}=========================== short test summary info ============================{E39}",
                    f"{RED}FAILED{E39} tests/test_items.py::{f} - assert 422 == 201"]
        n = R.randint(10, 80)
        out.append(f"{GRN}============================== {n} passed in {R.randint(5, 300) / 100}s =============================={E39}")
    return out


def uvicorn():
    out = [f"{GRN}INFO{E39}:     Will watch for changes in these directories: ['/home/dev/api']",
           f"{GRN}INFO{E39}:     Uvicorn running on {B}http://127.0.0.1:8000{E22} (Press CTRL+C to quit)",
           f"{GRN}INFO{E39}:     Started reloader process [{CYN}{B}4242{E22}{E39}] using {CYN}{B}WatchFiles{E22}{E39}",
           f"{GRN}INFO{E39}:     Started server process [{CYN}4244{E39}]", f"{GRN}INFO{E39}:     Waiting for application startup.",
           f"{GRN}INFO{E39}:     Application startup complete."]
    while len(out) < 300:
        r = R.random()
        if r < 0.75:
            code = R.choice([200, 200, 200, 201, 204, 307, 404, 422])
            ok = {200: "OK", 201: "Created", 204: "No Content", 307: "Temporary Redirect", 404: "Not Found", 422: "Unprocessable Entity"}[code]
            col = GRN if code < 400 else YEL
            out.append(f"{GRN}INFO{E39}:     127.0.0.1:{R.randint(40000, 65000)} - \"{B}{R.choice(['GET', 'GET', 'POST', 'PUT', 'DELETE'])} "
                       f"{R.choice(PATHS)} HTTP/1.1{E22}\" {col}{code} {ok}{E39}")
        elif r < 0.85:
            out += [f"{YEL}WARNING{E39}:  WatchFiles detected changes in 'app/routes.py'. Reloading...",
                    f"{GRN}INFO{E39}:     Shutting down", f"{GRN}INFO{E39}:     Application startup complete."]
        else:
            out += [f"{RED}ERROR{E39}:    Exception in ASGI application", "Traceback (most recent call last):",
                    '  File "/home/dev/api/.venv/lib/python3.12/site-packages/uvicorn/protocols/http/httptools_impl.py", line 401, in run_asgi',
                    "    result = await app(  # type: ignore[func-returns-value]",
                    '  File "/home/dev/api/.venv/lib/python3.12/site-packages/starlette/routing.py", line 72, in app',
                    "    response = await func(request)",
                    f'  File "/home/dev/api/app/routes.py", line {R.randint(10, 200)}, in read_item',
                    "    return items[item_id]", "KeyError: 42",
                    f"{GRN}INFO{E39}:     127.0.0.1:{R.randint(40000, 65000)} - \"{B}GET /items/42 HTTP/1.1{E22}\" {RED}500 Internal Server Error{E39}"]
    return out


def rails():
    out = ["=> Booting Puma", "=> Rails 7.1.3 application starting in development ",
           "=> Run `bin/rails server --help` for more startup options", "Puma starting in single mode...",
           "* Listening on http://127.0.0.1:3000", "* Listening on http://[::1]:3000", "Use Ctrl-C to stop"]
    ctl = ["PagesController#home", "UsersController#show", "OrdersController#index", "SessionsController#create"]
    while len(out) < 300:
        p = R.choice(PATHS)
        h, m, s = clock()
        out.append(f"Started {R.choice(['GET', 'GET', 'POST'])} \"{p}\" for ::1 at 2026-11-30 {h:02}:{m:02}:{s:02} +0000")
        out.append(f"Processing by {R.choice(ctl)} as HTML")
        if R.random() < 0.5:
            out.append(f"  {CYN}{B}User Load ({R.randint(1, 30) / 10}ms){E22}  {BLU}{B}SELECT \"users\".* FROM \"users\" WHERE \"users\".\"id\" = ? LIMIT ?{E22}  [[\"id\", {R.randint(1, 99)}], [\"LIMIT\", 1]]")
        if R.random() < 0.85:
            out.append(f"  Rendered layout layouts/application.html.erb (Duration: {R.randint(5, 90)}.{R.randint(0, 9)}ms | Allocations: {R.randint(1000, 30000)})")
            out.append(f"Completed 200 OK in {R.randint(5, 200)}ms (Views: {R.randint(2, 90)}.{R.randint(0, 9)}ms | ActiveRecord: {R.randint(0, 20)}.{R.randint(0, 9)}ms | Allocations: {R.randint(1000, 40000)})")
        else:
            out += [f"Completed 500 Internal Server Error in {R.randint(5, 90)}ms (ActiveRecord: 0.0ms | Allocations: 1093)", "",
                    "", f"NoMethodError (undefined method `name' for nil:NilClass):", "",
                    f"app/controllers/users_controller.rb:{R.randint(5, 40)}:in `show'",
                    "actionpack (7.1.3) lib/action_controller/metal/basic_implicit_render.rb:6:in `send_action'",
                    "actionpack (7.1.3) lib/abstract_controller/base.rb:224:in `process_action'"]
        out.append("")
    return out


TOOLS = {"vite": vite, "next": next_js, "webpack": webpack, "jest": jest, "cargo": cargo,
         "go_test": go_test, "pytest": pytest, "uvicorn": uvicorn, "rails": rails}

if __name__ == "__main__":
    total = 0
    for name, f in TOOLS.items():
        lines = f()
        text = "\n".join(lines) + "\n"
        with open(os.path.join(OUT, f"{name}.log"), "w", encoding="utf-8") as fh:
            fh.write(text)
        total += len(text.encode())
        print(f"{name}.log: {len(lines)} lines, {len(text.encode())} bytes")
    print(f"total {total} bytes")
