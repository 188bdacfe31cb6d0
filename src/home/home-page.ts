/**
 * What a browser finds at the server's root until the web app is served there: where the API is
 * described and how to watch it work. No script and no outside asset, so the CSP needs no exception.
 */
export const HOME_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chat backend</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}code{background:#eee;padding:0 .2em}</style>
</head>
<body>
<h1>Chat backend</h1>
<p>Accounts, friends, direct and group chats: a REST API, and live events over Socket.IO on this same port.</p>
<p><a href="/app/"><strong>Open the web chat</strong></a>: register two people in two windows and talk.</p>
<ul>
<li><a href="/docs">/docs</a>: the REST API (OpenAPI), to read and to try in the browser</li>
<li><a href="/asyncapi">/asyncapi</a>: the live events (AsyncAPI); the document itself is <a href="/asyncapi.yaml">/asyncapi.yaml</a></li>
<li><a href="/health/ready">/health/ready</a>: whether the server and its database answer</li>
</ul>
<p>To watch it work, run <code>npm run demo</code> in the repository while the server runs: shahn, shivam and udit
become friends and chat live. Then log in as shivam in <a href="/docs">/docs</a> with the password the demo prints.</p>
</body>
</html>
`;
