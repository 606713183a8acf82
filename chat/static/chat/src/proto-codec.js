// Proto mode (subprotocol csbot.v1.proto): a frame body is a protobuf
// csbot.v1.Frame. The codec walks the JSON descriptor generated from the
// .proto at build time and uses protobufjs' Reader/Writer only. It avoids
// protobufjs' reflection classes on purpose: they generate code with
// `new Function`, which the mini-program runtime forbids.
//
// Frames map to the JSON shape one to one: the Frame either carries a oneof
// whose member is named after the frame type ({hello: {...}}) or a `type`
// field next to the payload fields. Both layouts are handled.
import protobuf from 'protobufjs/minimal';

const { Reader, Writer } = protobuf;

const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 };
const SCALARS = {
  double: { wire: WIRE.fixed64, def: 0 }, float: { wire: WIRE.fixed32, def: 0 },
  int32: { wire: WIRE.varint, def: 0 }, uint32: { wire: WIRE.varint, def: 0 },
  sint32: { wire: WIRE.varint, def: 0 }, fixed32: { wire: WIRE.fixed32, def: 0 },
  sfixed32: { wire: WIRE.fixed32, def: 0 }, int64: { wire: WIRE.varint, def: 0 },
  uint64: { wire: WIRE.varint, def: 0 }, sint64: { wire: WIRE.varint, def: 0 },
  fixed64: { wire: WIRE.fixed64, def: 0 }, sfixed64: { wire: WIRE.fixed64, def: 0 },
  bool: { wire: WIRE.varint, def: false }, string: { wire: WIRE.bytes, def: '' },
  bytes: { wire: WIRE.bytes, def: null },
};
const LONGS = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

// 64-bit values come back as Long objects when long.js is present; chat
// timestamps fit in a double, so numbers are what the application gets.
function toNumber(v) {
  if (typeof v === 'number') return v;
  if (v && typeof v.toNumber === 'function') return v.toNumber();
  return Number(v);
}

/** Index every message and enum in the descriptor by its full name. */
function indexTypes(node, prefix, out) {
  if (!node || !node.nested) return out;
  for (const [name, def] of Object.entries(node.nested)) {
    const full = prefix ? prefix + '.' + name : name;
    if (def.fields) out.set(full, { kind: 'message', full, def });
    else if (def.values) out.set(full, { kind: 'enum', full, def });
    indexTypes(def, full, out);
  }
  return out;
}

export class ProtoCodec {
  constructor(descriptor, frameName = 'Frame') {
    this.name = 'proto';
    this.subprotocol = 'csbot.v1.proto';
    this.types = indexTypes(descriptor, '', new Map());
    const frame = Array.from(this.types.values()).find((t) => t.kind === 'message' && t.full.split('.').pop() === frameName);
    if (!frame) throw new Error('no ' + frameName + ' message in descriptor');
    this.frame = frame;
    this._compiled = new Map();
    this._layout();
  }

  // Decide how the frame type is carried: as a oneof member name or a field.
  _layout() {
    const f = this._compile(this.frame.full);
    const typeField = f.byName.get('type');
    this.typeField = typeField || null;
    this.members = new Map(); // frame type -> field in a oneof
    for (const field of f.fields) {
      if (field.oneof && !field.synthetic && field.message) this.members.set(field.name, field);
    }
  }

  _resolve(typeName, scope) {
    if (typeName.startsWith('.')) return this.types.get(typeName.slice(1));
    const parts = scope.split('.');
    for (let i = parts.length; i >= 0; i--) {
      const candidate = parts.slice(0, i).concat(typeName).join('.');
      if (this.types.has(candidate)) return this.types.get(candidate);
    }
    return undefined;
  }

  _compile(fullName) {
    if (this._compiled.has(fullName)) return this._compiled.get(fullName);
    const t = this.types.get(fullName);
    const c = { fields: [], byName: new Map(), byId: new Map() };
    this._compiled.set(fullName, c);
    const oneofOf = new Map();
    for (const [oname, o] of Object.entries(t.def.oneofs || {})) {
      for (const member of o.oneof) oneofOf.set(member, oname);
    }
    for (const [name, fd] of Object.entries(t.def.fields)) {
      const oneof = oneofOf.get(name) || null;
      const field = {
        name, id: fd.id, type: fd.type, repeated: fd.rule === 'repeated',
        oneof, synthetic: Boolean(oneof && (fd.options && fd.options.proto3_optional || oneof === '_' + name)),
        optional: Boolean(fd.options && fd.options.proto3_optional) || fd.rule === 'optional' || Boolean(oneof),
        scalar: SCALARS[fd.type] || null, message: null, enumDef: null,
      };
      if (!field.scalar) {
        const ref = this._resolve(fd.type, fullName);
        if (!ref) throw new Error('unknown type ' + fd.type + ' in ' + fullName);
        if (ref.kind === 'enum') field.enumDef = ref.def.values;
        else field.message = ref.full;
      }
      c.fields.push(field);
      c.byName.set(name, field);
      c.byId.set(fd.id, field);
    }
    return c;
  }

  // ---- encoding ----

  _enumValue(values, v) {
    if (typeof v === 'number') return v;
    const s = String(v);
    if (s in values) return values[s];
    const upper = s.toUpperCase();
    for (const [name, num] of Object.entries(values)) {
      if (name === upper || name.endsWith('_' + upper)) return num;
    }
    return 0;
  }

  _writeScalar(w, type, v) {
    switch (type) {
      case 'double': return w.double(v);
      case 'float': return w.float(v);
      case 'int32': return w.int32(v);
      case 'uint32': return w.uint32(v);
      case 'sint32': return w.sint32(v);
      case 'fixed32': return w.fixed32(v);
      case 'sfixed32': return w.sfixed32(v);
      case 'int64': return w.int64(v);
      case 'uint64': return w.uint64(v);
      case 'sint64': return w.sint64(v);
      case 'fixed64': return w.fixed64(v);
      case 'sfixed64': return w.sfixed64(v);
      case 'bool': return w.bool(Boolean(v));
      case 'string': return w.string(String(v));
      case 'bytes': return w.bytes(v);
      default: throw new Error('bad scalar ' + type);
    }
  }

  _writeValue(w, field, v) {
    if (field.message) {
      w.uint32((field.id << 3) | WIRE.bytes).fork();
      this._writeMessage(w, field.message, v);
      w.ldelim();
    } else if (field.enumDef) {
      w.uint32((field.id << 3) | WIRE.varint).int32(this._enumValue(field.enumDef, v));
    } else {
      w.uint32((field.id << 3) | field.scalar.wire);
      this._writeScalar(w, field.type, v);
    }
  }

  _writeMessage(w, fullName, obj) {
    const c = this._compile(fullName);
    for (const field of c.fields) {
      const v = obj[field.name];
      if (v === undefined || v === null) continue;
      if (field.repeated) {
        for (const item of v) this._writeValue(w, field, item);
      } else {
        this._writeValue(w, field, v);
      }
    }
    return w;
  }

  /** Encode a JSON-shaped frame ({type, ...fields}) to Frame bytes. */
  encodeBody(frame) {
    const { type, ...fields } = frame;
    const member = this.members.get(type);
    const w = Writer.create();
    if (member) {
      const top = { [type]: fields };
      if (this.typeField) top.type = type;
      this._writeMessage(w, this.frame.full, top);
    } else if (this.typeField) {
      this._writeMessage(w, this.frame.full, frame);
    } else {
      throw new Error('frame type ' + type + ' has no place in the proto Frame');
    }
    return w.finish();
  }

  // ---- decoding ----

  _readScalar(r, type) {
    const v = r[type]();
    return LONGS.has(type) ? toNumber(v) : v;
  }

  _readMessage(r, fullName, end) {
    const c = this._compile(fullName);
    const obj = {};
    while (r.pos < end) {
      const tag = r.uint32();
      const field = c.byId.get(tag >>> 3);
      const wire = tag & 7;
      if (!field) {
        r.skipType(wire);
        continue;
      }
      let values;
      if (field.message) {
        const len = r.uint32();
        values = [this._readMessage(r, field.message, r.pos + len)];
      } else if (field.repeated && wire === WIRE.bytes && field.type !== 'string' && field.type !== 'bytes') {
        // Packed repeated numbers.
        const stop = r.uint32() + r.pos;
        values = [];
        while (r.pos < stop) values.push(field.enumDef ? this._enumName(field.enumDef, r.int32()) : this._readScalar(r, field.type));
      } else if (field.enumDef) {
        values = [this._enumName(field.enumDef, r.int32())];
      } else {
        values = [this._readScalar(r, field.type)];
      }
      if (field.repeated) obj[field.name] = (obj[field.name] || []).concat(values);
      else obj[field.name] = values[0];
    }
    // Fill proto3 defaults so a decoded frame looks like its JSON twin:
    // fields the JSON always carries are present even when zero.
    for (const field of c.fields) {
      if (field.name in obj) continue;
      if (field.repeated) continue; // proto3 cannot tell [] from absent; see ALWAYS_LISTS
      else if (!field.optional && !field.message) obj[field.name] = field.enumDef ? this._enumName(field.enumDef, 0) : field.scalar.def;
    }
    return obj;
  }

  _enumName(values, num) {
    for (const [name, n] of Object.entries(values)) if (n === num) return name;
    return num;
  }

  /** Decode Frame bytes into the JSON shape ({type, ...fields}). */
  decodeBody(bytes) {
    const r = Reader.create(bytes);
    const top = this._readMessage(r, this.frame.full, bytes.length);
    for (const type of this.members.keys()) {
      if (top[type]) return withLists(Object.assign({ type }, top[type]));
    }
    if (this.typeField) {
      const t = top.type;
      top.type = typeof t === 'string' ? normaliseTypeName(t) : t;
      return withLists(top);
    }
    throw new Error('proto frame carries no known type');
  }
}

// Lists the contract always sends, even empty; an empty repeated field
// never reaches the wire, so it is put back here.
const ALWAYS_LISTS = { welcome: ['compress'], history: ['messages'] };

function withLists(frame) {
  for (const name of ALWAYS_LISTS[frame.type] || []) if (!(name in frame)) frame[name] = [];
  return frame;
}

// An enum named TYPE_HELLO or HELLO stands for the JSON type "hello".
function normaliseTypeName(name) {
  return name.replace(/^(FRAME_)?TYPE_/, '').toLowerCase();
}
