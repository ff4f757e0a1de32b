// Marquee's media edge for nginx (njs): checks signed media paths exactly as the app does
// (src/marquee/media/signing.py), without a database, then serves the blob or asks the app.
//
// Path: /media/s/{session}/{expires}/{sig}/{key...}
// sig = base64url(HMAC-SHA256(key, "v1|{session}|{expires}|{scope}")) without padding, where
// scope is some leading run of the key's segments (a variant folder, or one file).
// The key comes from the MARQUEE_MEDIA_KEY environment variable (base64url), printed by
// `marquee playback edge-key`.

const crypto = require('crypto');

const BASE = '/media/s/';
const SESSION_RE = /^[A-Za-z0-9_-]{8,64}$/;
const EXPIRES_RE = /^[0-9]{1,12}$/;
const SIG_RE = /^[A-Za-z0-9_-]{43}$/;
const SESSION_SCOPE = '_session/';

let cachedKey = null;

function mediaKey() {
    if (cachedKey === null) {
        cachedKey = Buffer.from(process.env.MARQUEE_MEDIA_KEY || '', 'base64url');
    }
    return cachedKey;
}

function sameText(a, b) {
    // Constant time for equal lengths: the signature is not leaked byte by byte.
    if (a.length !== b.length) {
        return false;
    }
    let diff = 0;
    for (let i = 0; i < a.length; i++) {
        diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
    }
    return diff === 0;
}

function sign(secret, session, expires, scope) {
    const message = 'v1|' + session + '|' + expires + '|' + scope;
    return crypto.createHmac('sha256', secret).update(message).digest('base64url');
}

// {key, session} for a good path, {error} otherwise. `uri` is nginx's normalised $uri.
function check(uri, now, secret) {
    if (!uri.startsWith(BASE)) {
        return {error: 'malformed path'};
    }
    const parts = uri.slice(BASE.length).split('/');
    if (parts.length < 4) {
        return {error: 'malformed path'};
    }
    const session = parts[0];
    const expires = parts[1];
    const sig = parts[2];
    const rest = parts.slice(3);
    if (!SESSION_RE.test(session) || !EXPIRES_RE.test(expires)) {
        return {error: 'malformed path'};
    }
    if (!SIG_RE.test(sig)) {
        return {error: 'malformed signature'};
    }
    if (Number(expires) <= now) {
        return {error: 'the link has expired'};
    }
    if (rest.some((p) => p === '' || p === '.' || p === '..')) {
        return {error: 'malformed path'};
    }
    for (let depth = 1; depth <= rest.length; depth++) {
        const scope = rest.slice(0, depth).join('/');
        if (sameText(sign(secret, session, expires, scope), sig)) {
            return {key: rest.join('/'), session: session};
        }
    }
    return {error: 'the signature does not match this path'};
}

function refuse(r, detail) {
    r.headersOut['Content-Type'] = 'application/problem+json';
    r.return(403, JSON.stringify({
        type: '/problems/forbidden',
        title: 'Not allowed',
        status: 403,
        detail: 'media URL refused: ' + detail,
        instance: r.uri,
        errors: [],
    }));
}

function edge(r) {
    const secret = mediaKey();
    if (secret.length < 16) {
        r.error('MARQUEE_MEDIA_KEY is missing or shorter than 16 bytes');
        r.return(503);
        return;
    }
    const result = check(r.uri, Date.now() / 1000, secret);
    if (result.error) {
        refuse(r, result.error);
        return;
    }
    if (result.key.startsWith(SESSION_SCOPE)) {
        // A session's master playlist lives in the app's online store: ask the app.
        r.internalRedirect('@marquee_app');
        return;
    }
    r.internalRedirect('/_blobs/' + result.key);
}

export default {edge, check};
