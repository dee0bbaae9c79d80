// 0600-otlp.js FILE...: every line of each spans.jsonl read as OTLP/JSON by
// OpenTelemetry's JavaScript exporter library (@opentelemetry/otlp-transformer,
// installed by make deps under tests/node).  Its generated-code-free
// serializers are the decode path it offers: each line's spans become the
// SDK's span records (ReadableSpan), which the library encodes as OTLP/JSON
// (JsonTraceSerializer) and as OTLP/protobuf (ProtobufTraceSerializer).  A
// line passes when the library's JSON is the line, field for field, and the
// protobuf, decoded with the library's ProtobufReader, carries the same ids,
// names, kinds, attributes, links, status and 64-bit times, exactly.  A
// field of the line that OTLP does not name fails it before that.
// Prints one line per file ("FILE: N requests, M spans, ...") and exits 1
// on the first line that fails, naming it.
'use strict';
const fs = require('fs');
const assert = require('assert');
const otlp = require('@opentelemetry/otlp-transformer');
const { ProtobufReader } = require('@opentelemetry/otlp-transformer/build/src/common/protobuf/protobuf-reader');

// The JSON names of opentelemetry-proto's messages (trace.proto,
// common.proto, resource.proto, trace_service.proto), as proto3 maps them.
const FIELDS = {
	request: ['resourceSpans'],
	resourceSpans: ['resource', 'scopeSpans', 'schemaUrl'],
	resource: ['attributes', 'droppedAttributesCount', 'entityRefs'],
	scopeSpans: ['scope', 'spans', 'schemaUrl'],
	scope: ['name', 'version', 'attributes', 'droppedAttributesCount'],
	span: ['traceId', 'spanId', 'traceState', 'parentSpanId', 'flags', 'name', 'kind',
	       'startTimeUnixNano', 'endTimeUnixNano', 'attributes', 'droppedAttributesCount',
	       'events', 'droppedEventsCount', 'links', 'droppedLinksCount', 'status'],
	link: ['traceId', 'spanId', 'traceState', 'attributes', 'droppedAttributesCount', 'flags'],
	status: ['message', 'code'],
	keyValue: ['key', 'value'],
	anyValue: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue',
		   'kvlistValue', 'bytesValue'],
};

function known(obj, what, where) {
	assert(obj && typeof obj === 'object' && !Array.isArray(obj), `${where}: not a ${what} object`);
	for (const k of Object.keys(obj))
		assert(FIELDS[what].includes(k), `${where}: "${k}" is no field of ${what}`);
}

const HEX = (n) => new RegExp(`^[0-9a-f]{${n}}$`);
const NANOS = /^[0-9]{1,20}$/;

// OTLP attributes as the SDK's: a map of string, boolean or number; an
// intValue must be a decimal string within 2^53 to pass through a
// JavaScript number exactly.
function attrs(list, where) {
	const out = {};
	assert(Array.isArray(list), `${where}: attributes is not a list`);
	list.forEach((kv, i) => {
		known(kv, 'keyValue', `${where}[${i}]`);
		known(kv.value, 'anyValue', `${where}[${i}].value`);
		const [type, ...more] = Object.keys(kv.value);
		assert(more.length === 0, `${where}[${i}]: more than one value`);
		const v = kv.value[type];
		if (type === 'stringValue' || type === 'boolValue') {
			assert(typeof v === (type === 'stringValue' ? 'string' : 'boolean'), `${where}[${i}]: ${type}`);
			out[kv.key] = v;
		} else if (type === 'intValue') {
			assert(typeof v === 'string' && /^-?[0-9]+$/.test(v),
			       `${where}[${i}]: intValue is not a decimal string (64-bit integers are strings in OTLP/JSON)`);
			assert(Number.isSafeInteger(Number(v)), `${where}[${i}]: intValue beyond 2^53`);
			out[kv.key] = Number(v);
		} else {
			assert.fail(`${where}[${i}]: ${type} is not written by agentd`);
		}
	});
	return out;
}

function hrTime(s, where) {
	assert(typeof s === 'string' && NANOS.test(s),
	       `${where}: not nanoseconds in a decimal string (OTLP/JSON writes 64-bit integers as strings)`);
	const n = BigInt(s);
	return [Number(n / 1000000000n), Number(n % 1000000000n)];
}

// The SDK's span records (ReadableSpan) of one ExportTraceServiceRequest.
function readable(req, where) {
	known(req, 'request', where);
	assert(Array.isArray(req.resourceSpans) && req.resourceSpans.length > 0, `${where}: no resourceSpans`);
	const out = [];
	req.resourceSpans.forEach((rs, r) => {
		const rw = `${where}.resourceSpans[${r}]`;
		known(rs, 'resourceSpans', rw);
		known(rs.resource, 'resource', `${rw}.resource`);
		const resource = { attributes: attrs(rs.resource.attributes, `${rw}.resource.attributes`) };
		assert(typeof resource.attributes['service.name'] === 'string' && resource.attributes['service.name'],
		       `${rw}: the resource has no service.name`);
		rs.scopeSpans.forEach((ss, k) => {
			const sw = `${rw}.scopeSpans[${k}]`;
			known(ss, 'scopeSpans', sw);
			known(ss.scope, 'scope', `${sw}.scope`);
			const scope = { name: ss.scope.name, version: ss.scope.version };
			ss.spans.forEach((s, j) => {
				const w = `${sw}.spans[${j}]`;
				known(s, 'span', w);
				assert(HEX(32).test(s.traceId) && HEX(16).test(s.spanId), `${w}: ids`);
				assert(s.parentSpanId === undefined || HEX(16).test(s.parentSpanId), `${w}: parentSpanId`);
				assert(Number.isInteger(s.kind) && s.kind >= 1 && s.kind <= 5, `${w}: kind is not a SpanKind number`);
				known(s.status, 'status', `${w}.status`);
				assert([0, 1, 2].includes(s.status.code), `${w}: status.code is not a StatusCode number`);
				const links = (s.links || []).map((l, i) => {
					known(l, 'link', `${w}.links[${i}]`);
					assert(HEX(32).test(l.traceId) && HEX(16).test(l.spanId), `${w}.links[${i}]: ids`);
					return { context: { traceId: l.traceId, spanId: l.spanId, traceFlags: 0 },
						 attributes: l.attributes ? attrs(l.attributes, `${w}.links[${i}].attributes`) : undefined,
						 droppedAttributesCount: 0 };
				});
				out.push({
					name: s.name,
					kind: s.kind - 1, // the API's SpanKind has no "unspecified"
					spanContext: () => ({ traceId: s.traceId, spanId: s.spanId, traceFlags: 1 }),
					parentSpanContext: s.parentSpanId ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: 1 } : undefined,
					startTime: hrTime(s.startTimeUnixNano, `${w}.startTimeUnixNano`),
					endTime: hrTime(s.endTimeUnixNano, `${w}.endTimeUnixNano`),
					status: s.status.message === undefined ? { code: s.status.code } : { code: s.status.code, message: s.status.message },
					attributes: attrs(s.attributes || [], `${w}.attributes`),
					links, events: [], duration: [0, 0], ended: true, resource,
					instrumentationScope: scope,
					droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0,
				});
			});
		});
	});
	return out;
}

// The library's JSON without what agentd leaves at its default (proto3
// JSON leaves out zero counts, empty lists, flags and absent strings), and
// with its integer attributes as strings, as OTLP/JSON writes them.
function trim(v) {
	if (Array.isArray(v))
		return v.map(trim);
	if (!v || typeof v !== 'object')
		return v;
	const out = {};
	for (const [k, x] of Object.entries(v)) {
		if (x === undefined || (k.startsWith('dropped') && x === 0) || k === 'flags' ||
		    (Array.isArray(x) && x.length === 0))
			continue;
		out[k] = k === 'intValue' ? String(x) : trim(x);
	}
	return out;
}

// --- protobuf: the library's bytes, read back with its reader ----------
function fixed64(rd) {
	const dv = new DataView(rd._buf.buffer, rd._buf.byteOffset + rd.pos, 8);
	rd.pos += 8;
	return dv.getBigUint64(0, true);
}

function fields(bytes, onField) {
	const rd = new ProtobufReader(bytes);
	while (!rd.isAtEnd()) {
		const { fieldNumber, wireType } = rd.readTag();
		if (!onField(fieldNumber, wireType, rd))
			rd.skip(wireType);
	}
}

const hex = (b) => Buffer.from(b).toString('hex');

function pbAny(bytes) {
	let v;
	fields(bytes, (f, w, rd) => {
		if (f === 1) v = { stringValue: rd.readString() };
		else if (f === 2) v = { boolValue: rd.readVarint() === 1 };
		else if (f === 3) { const n = rd.readVarint(); assert(Number.isSafeInteger(n)); v = { intValue: String(n) }; }
		else return false;
		return true;
	});
	return v;
}

function pbKeyValues(list) {
	return list.map((bytes) => {
		const kv = {};
		fields(bytes, (f, w, rd) => {
			if (f === 1) kv.key = rd.readString();
			else if (f === 2) kv.value = pbAny(rd.readBytes());
			else return false;
			return true;
		});
		return kv;
	});
}

function pbSpan(bytes) {
	const s = {}, attrs_ = [], links = [];
	fields(bytes, (f, w, rd) => {
		switch (f) {
		case 1: s.traceId = hex(rd.readBytes()); break;
		case 2: s.spanId = hex(rd.readBytes()); break;
		case 4: s.parentSpanId = hex(rd.readBytes()); break;
		case 5: s.name = rd.readString(); break;
		case 6: s.kind = rd.readVarint(); break;
		case 7: s.startTimeUnixNano = fixed64(rd).toString(); break;
		case 8: s.endTimeUnixNano = fixed64(rd).toString(); break;
		case 9: attrs_.push(rd.readBytes()); break;
		case 13: {
			const l = {}, la = [];
			fields(rd.readBytes(), (g, w2, r2) => {
				if (g === 1) l.traceId = hex(r2.readBytes());
				else if (g === 2) l.spanId = hex(r2.readBytes());
				else if (g === 4) la.push(r2.readBytes());
				else return false;
				return true;
			});
			if (la.length) l.attributes = pbKeyValues(la);
			links.push(l);
			break;
		}
		case 15: {
			const st = {};
			fields(rd.readBytes(), (g, w2, r2) => {
				if (g === 2) st.message = r2.readString();
				else if (g === 3) st.code = r2.readVarint();
				else return false;
				return true;
			});
			s.status = st;
			break;
		}
		default: return false;
		}
		return true;
	});
	s.attributes = pbKeyValues(attrs_);
	if (links.length) s.links = links;
	return s;
}

// The request, decoded: {resourceSpans: [{resource, scopeSpans: [{scope, spans}]}]}
function pbRequest(bytes) {
	const req = { resourceSpans: [] };
	fields(bytes, (f, w, rd) => {
		if (f !== 1) return false;
		const rs = { scopeSpans: [] };
		fields(rd.readBytes(), (g, w2, r2) => {
			if (g === 1) {
				const ra = [];
				fields(r2.readBytes(), (h, w3, r3) => h === 1 && (ra.push(r3.readBytes()), true));
				rs.resource = { attributes: pbKeyValues(ra) };
			} else if (g === 2) {
				const ss = { spans: [] };
				fields(r2.readBytes(), (h, w3, r3) => {
					if (h === 1) {
						ss.scope = {};
						fields(r3.readBytes(), (i, w4, r4) => {
							if (i === 1) ss.scope.name = r4.readString();
							else if (i === 2) ss.scope.version = r4.readString();
							else return false;
							return true;
						});
					} else if (h === 2) {
						ss.spans.push(pbSpan(r3.readBytes()));
					} else {
						return false;
					}
					return true;
				});
				rs.scopeSpans.push(ss);
			} else {
				return false;
			}
			return true;
		});
		req.resourceSpans.push(rs);
		return true;
	});
	return req;
}

let failed = false;
for (const file of process.argv.slice(2)) {
	let requests = 0, spans = 0, shifted = 0;
	const services = new Set();
	const kinds = new Set();
	const lines = fs.readFileSync(file, 'utf8').split('\n');
	try {
		lines.forEach((text, i) => {
			if (text === '')
				return;
			const where = `${file}:${i + 1}`;
			const req = JSON.parse(text);
			const records = readable(req, where);
			const want = trim(req);
			const asJson = JSON.parse(Buffer.from(otlp.JsonTraceSerializer.serializeRequest(records)).toString());
			assert.deepStrictEqual(trim(asJson), want, `${where}: the library's OTLP/JSON of these spans is not the line`);
			const bytes = otlp.ProtobufTraceSerializer.serializeRequest(records);
			assert(bytes && bytes.length > 0, `${where}: the library encoded no protobuf`);
			assert.deepStrictEqual(trim(pbRequest(bytes)), want, `${where}: the OTLP/protobuf, decoded, is not the line`);
			requests++;
			for (const r of records) {
				spans++;
				services.add(r.resource.attributes['service.name']);
				kinds.add(r.kind + 1);
			}
			for (const rs of req.resourceSpans)
				for (const ss of rs.scopeSpans)
					for (const s of ss.spans)
						if (BigInt(Number(s.startTimeUnixNano)) !== BigInt(s.startTimeUnixNano))
							shifted++;
		});
		assert(requests > 0, `${file}: no ExportTraceServiceRequest`);
		console.log(`${file}: ${requests} requests, ${spans} spans, services ${[...services].join(',')}, ` +
			    `kinds ${[...kinds].sort().join(',')}; ${shifted} start times a JSON number would have shifted`);
	} catch (e) {
		console.log(`${file}: FAIL ${e.message.split('\n').slice(0, 12).join('\n  ')}`);
		failed = true;
	}
}
process.exit(failed ? 1 : 0);
