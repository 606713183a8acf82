/* csbot customer chat SDK. Built file: edit chat/static/chat/src/ and run `npm run build --prefix js`. */
var CsbotSDK = (() => {
  var __create = Object.create;
  var __defProp = Object.defineProperty;
  var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
  var __getOwnPropNames = Object.getOwnPropertyNames;
  var __getOwnPropSymbols = Object.getOwnPropertySymbols;
  var __getProtoOf = Object.getPrototypeOf;
  var __hasOwnProp = Object.prototype.hasOwnProperty;
  var __propIsEnum = Object.prototype.propertyIsEnumerable;
  var __objRest = (source, exclude) => {
    var target = {};
    for (var prop in source)
      if (__hasOwnProp.call(source, prop) && exclude.indexOf(prop) < 0)
        target[prop] = source[prop];
    if (source != null && __getOwnPropSymbols)
      for (var prop of __getOwnPropSymbols(source)) {
        if (exclude.indexOf(prop) < 0 && __propIsEnum.call(source, prop))
          target[prop] = source[prop];
      }
    return target;
  };
  var __commonJS = (cb, mod) => function __require() {
    try {
      return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
    } catch (e) {
      throw mod = 0, e;
    }
  };
  var __export = (target, all) => {
    for (var name in all)
      __defProp(target, name, { get: all[name], enumerable: true });
  };
  var __copyProps = (to, from, except, desc) => {
    if (from && typeof from === "object" || typeof from === "function") {
      for (let key of __getOwnPropNames(from))
        if (!__hasOwnProp.call(to, key) && key !== except)
          __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
    }
    return to;
  };
  var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
    // If the importer is in node compatibility mode or this is not an ESM
    // file that has been converted to a CommonJS file using a Babel-
    // compatible transform (i.e. "__esModule" has not been set), then set
    // "default" to the CommonJS "module.exports" for node compatibility.
    isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
    mod
  ));
  var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

  // node_modules/@protobufjs/aspromise/index.js
  var require_aspromise = __commonJS({
    "node_modules/@protobufjs/aspromise/index.js"(exports, module) {
      "use strict";
      module.exports = asPromise;
      function asPromise(fn, ctx) {
        var params = new Array(arguments.length - 1), offset = 0, index = 2, pending = true;
        while (index < arguments.length)
          params[offset++] = arguments[index++];
        return new Promise(function executor(resolve, reject) {
          params[offset] = function callback(err) {
            if (pending) {
              pending = false;
              if (err)
                reject(err);
              else {
                var params2 = new Array(arguments.length - 1), offset2 = 0;
                while (offset2 < params2.length)
                  params2[offset2++] = arguments[offset2];
                resolve.apply(null, params2);
              }
            }
          };
          try {
            fn.apply(ctx || null, params);
          } catch (err) {
            if (pending) {
              pending = false;
              reject(err);
            }
          }
        });
      }
    }
  });

  // node_modules/@protobufjs/base64/index.js
  var require_base64 = __commonJS({
    "node_modules/@protobufjs/base64/index.js"(exports) {
      "use strict";
      var base64 = exports;
      base64.length = function length(string) {
        var p = string.length;
        if (!p)
          return 0;
        var n = 0;
        while (--p % 4 > 1 && string.charAt(p) === "=")
          ++n;
        return Math.ceil(string.length * 3) / 4 - n;
      };
      var b64 = new Array(64);
      var s64 = new Array(123);
      for (i = 0; i < 64; )
        s64[b64[i] = i < 26 ? i + 65 : i < 52 ? i + 71 : i < 62 ? i - 4 : i - 59 | 43] = i++;
      var i;
      base64.encode = function encode(buffer, start, end) {
        var parts = null, chunk = [];
        var i2 = 0, j = 0, t;
        while (start < end) {
          var b = buffer[start++];
          switch (j) {
            case 0:
              chunk[i2++] = b64[b >> 2];
              t = (b & 3) << 4;
              j = 1;
              break;
            case 1:
              chunk[i2++] = b64[t | b >> 4];
              t = (b & 15) << 2;
              j = 2;
              break;
            case 2:
              chunk[i2++] = b64[t | b >> 6];
              chunk[i2++] = b64[b & 63];
              j = 0;
              break;
          }
          if (i2 > 8191) {
            (parts || (parts = [])).push(String.fromCharCode.apply(String, chunk));
            i2 = 0;
          }
        }
        if (j) {
          chunk[i2++] = b64[t];
          chunk[i2++] = 61;
          if (j === 1)
            chunk[i2++] = 61;
        }
        if (parts) {
          if (i2)
            parts.push(String.fromCharCode.apply(String, chunk.slice(0, i2)));
          return parts.join("");
        }
        return String.fromCharCode.apply(String, chunk.slice(0, i2));
      };
      var invalidEncoding = "invalid encoding";
      base64.decode = function decode(string, buffer, offset) {
        var start = offset;
        var j = 0, t;
        for (var i2 = 0; i2 < string.length; ) {
          var c = string.charCodeAt(i2++);
          if (c === 61 && j > 1)
            break;
          if ((c = s64[c]) === void 0)
            throw Error(invalidEncoding);
          switch (j) {
            case 0:
              t = c;
              j = 1;
              break;
            case 1:
              buffer[offset++] = t << 2 | (c & 48) >> 4;
              t = c;
              j = 2;
              break;
            case 2:
              buffer[offset++] = (t & 15) << 4 | (c & 60) >> 2;
              t = c;
              j = 3;
              break;
            case 3:
              buffer[offset++] = (t & 3) << 6 | c;
              j = 0;
              break;
          }
        }
        if (j === 1)
          throw Error(invalidEncoding);
        return offset - start;
      };
      base64.test = function test(string) {
        return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(string);
      };
    }
  });

  // node_modules/@protobufjs/eventemitter/index.js
  var require_eventemitter = __commonJS({
    "node_modules/@protobufjs/eventemitter/index.js"(exports, module) {
      "use strict";
      module.exports = EventEmitter;
      function EventEmitter() {
        this._listeners = /* @__PURE__ */ Object.create(null);
      }
      EventEmitter.prototype.on = function on(evt, fn, ctx) {
        (this._listeners[evt] || (this._listeners[evt] = [])).push({
          fn,
          ctx: ctx || this
        });
        return this;
      };
      EventEmitter.prototype.off = function off(evt, fn) {
        if (evt === void 0)
          this._listeners = /* @__PURE__ */ Object.create(null);
        else {
          if (fn === void 0)
            this._listeners[evt] = [];
          else {
            var listeners = this._listeners[evt];
            if (!listeners)
              return this;
            for (var i = 0; i < listeners.length; )
              if (listeners[i].fn === fn)
                listeners.splice(i, 1);
              else
                ++i;
          }
        }
        return this;
      };
      EventEmitter.prototype.emit = function emit(evt) {
        var listeners = this._listeners[evt];
        if (listeners) {
          var args = [], i = 1;
          for (; i < arguments.length; )
            args.push(arguments[i++]);
          for (i = 0; i < listeners.length; )
            listeners[i].fn.apply(listeners[i++].ctx, args);
        }
        return this;
      };
    }
  });

  // node_modules/@protobufjs/float/index.js
  var require_float = __commonJS({
    "node_modules/@protobufjs/float/index.js"(exports, module) {
      "use strict";
      module.exports = factory(factory);
      function factory(exports2) {
        if (typeof Float32Array !== "undefined") (function() {
          var f32 = new Float32Array([-0]), f8b = new Uint8Array(f32.buffer), le = f8b[3] === 128;
          function writeFloat_f32_cpy(val, buf, pos) {
            f32[0] = val;
            buf[pos] = f8b[0];
            buf[pos + 1] = f8b[1];
            buf[pos + 2] = f8b[2];
            buf[pos + 3] = f8b[3];
          }
          function writeFloat_f32_rev(val, buf, pos) {
            f32[0] = val;
            buf[pos] = f8b[3];
            buf[pos + 1] = f8b[2];
            buf[pos + 2] = f8b[1];
            buf[pos + 3] = f8b[0];
          }
          exports2.writeFloatLE = le ? writeFloat_f32_cpy : writeFloat_f32_rev;
          exports2.writeFloatBE = le ? writeFloat_f32_rev : writeFloat_f32_cpy;
          function readFloat_f32_cpy(buf, pos) {
            f8b[0] = buf[pos];
            f8b[1] = buf[pos + 1];
            f8b[2] = buf[pos + 2];
            f8b[3] = buf[pos + 3];
            return f32[0];
          }
          function readFloat_f32_rev(buf, pos) {
            f8b[3] = buf[pos];
            f8b[2] = buf[pos + 1];
            f8b[1] = buf[pos + 2];
            f8b[0] = buf[pos + 3];
            return f32[0];
          }
          exports2.readFloatLE = le ? readFloat_f32_cpy : readFloat_f32_rev;
          exports2.readFloatBE = le ? readFloat_f32_rev : readFloat_f32_cpy;
        })();
        else (function() {
          function writeFloat_ieee754(writeUint, val, buf, pos) {
            var sign = val < 0 ? 1 : 0;
            if (sign)
              val = -val;
            if (val === 0)
              writeUint(1 / val > 0 ? (
                /* positive */
                0
              ) : (
                /* negative 0 */
                2147483648
              ), buf, pos);
            else if (isNaN(val))
              writeUint(2143289344, buf, pos);
            else if (val > 34028234663852886e22)
              writeUint((sign << 31 | 2139095040) >>> 0, buf, pos);
            else if (val < 11754943508222875e-54)
              writeUint((sign << 31 | Math.round(val / 1401298464324817e-60)) >>> 0, buf, pos);
            else {
              var exponent = Math.floor(Math.log(val) / Math.LN2), mantissa = Math.round(val * Math.pow(2, -exponent) * 8388608) & 8388607;
              writeUint((sign << 31 | exponent + 127 << 23 | mantissa) >>> 0, buf, pos);
            }
          }
          exports2.writeFloatLE = writeFloat_ieee754.bind(null, writeUintLE);
          exports2.writeFloatBE = writeFloat_ieee754.bind(null, writeUintBE);
          function readFloat_ieee754(readUint, buf, pos) {
            var uint = readUint(buf, pos), sign = (uint >> 31) * 2 + 1, exponent = uint >>> 23 & 255, mantissa = uint & 8388607;
            return exponent === 255 ? mantissa ? NaN : sign * Infinity : exponent === 0 ? sign * 1401298464324817e-60 * mantissa : sign * Math.pow(2, exponent - 150) * (mantissa + 8388608);
          }
          exports2.readFloatLE = readFloat_ieee754.bind(null, readUintLE);
          exports2.readFloatBE = readFloat_ieee754.bind(null, readUintBE);
        })();
        if (typeof Float64Array !== "undefined") (function() {
          var f64 = new Float64Array([-0]), f8b = new Uint8Array(f64.buffer), le = f8b[7] === 128;
          function writeDouble_f64_cpy(val, buf, pos) {
            f64[0] = val;
            buf[pos] = f8b[0];
            buf[pos + 1] = f8b[1];
            buf[pos + 2] = f8b[2];
            buf[pos + 3] = f8b[3];
            buf[pos + 4] = f8b[4];
            buf[pos + 5] = f8b[5];
            buf[pos + 6] = f8b[6];
            buf[pos + 7] = f8b[7];
          }
          function writeDouble_f64_rev(val, buf, pos) {
            f64[0] = val;
            buf[pos] = f8b[7];
            buf[pos + 1] = f8b[6];
            buf[pos + 2] = f8b[5];
            buf[pos + 3] = f8b[4];
            buf[pos + 4] = f8b[3];
            buf[pos + 5] = f8b[2];
            buf[pos + 6] = f8b[1];
            buf[pos + 7] = f8b[0];
          }
          exports2.writeDoubleLE = le ? writeDouble_f64_cpy : writeDouble_f64_rev;
          exports2.writeDoubleBE = le ? writeDouble_f64_rev : writeDouble_f64_cpy;
          function readDouble_f64_cpy(buf, pos) {
            f8b[0] = buf[pos];
            f8b[1] = buf[pos + 1];
            f8b[2] = buf[pos + 2];
            f8b[3] = buf[pos + 3];
            f8b[4] = buf[pos + 4];
            f8b[5] = buf[pos + 5];
            f8b[6] = buf[pos + 6];
            f8b[7] = buf[pos + 7];
            return f64[0];
          }
          function readDouble_f64_rev(buf, pos) {
            f8b[7] = buf[pos];
            f8b[6] = buf[pos + 1];
            f8b[5] = buf[pos + 2];
            f8b[4] = buf[pos + 3];
            f8b[3] = buf[pos + 4];
            f8b[2] = buf[pos + 5];
            f8b[1] = buf[pos + 6];
            f8b[0] = buf[pos + 7];
            return f64[0];
          }
          exports2.readDoubleLE = le ? readDouble_f64_cpy : readDouble_f64_rev;
          exports2.readDoubleBE = le ? readDouble_f64_rev : readDouble_f64_cpy;
        })();
        else (function() {
          function writeDouble_ieee754(writeUint, off0, off1, val, buf, pos) {
            var sign = val < 0 ? 1 : 0;
            if (sign)
              val = -val;
            if (val === 0) {
              writeUint(0, buf, pos + off0);
              writeUint(1 / val > 0 ? (
                /* positive */
                0
              ) : (
                /* negative 0 */
                2147483648
              ), buf, pos + off1);
            } else if (isNaN(val)) {
              writeUint(0, buf, pos + off0);
              writeUint(2146959360, buf, pos + off1);
            } else if (val > 17976931348623157e292) {
              writeUint(0, buf, pos + off0);
              writeUint((sign << 31 | 2146435072) >>> 0, buf, pos + off1);
            } else {
              var mantissa;
              if (val < 22250738585072014e-324) {
                mantissa = val / 5e-324;
                writeUint(mantissa >>> 0, buf, pos + off0);
                writeUint((sign << 31 | mantissa / 4294967296) >>> 0, buf, pos + off1);
              } else {
                var exponent = Math.floor(Math.log(val) / Math.LN2);
                if (exponent === 1024)
                  exponent = 1023;
                mantissa = val * Math.pow(2, -exponent);
                writeUint(mantissa * 4503599627370496 >>> 0, buf, pos + off0);
                writeUint((sign << 31 | exponent + 1023 << 20 | mantissa * 1048576 & 1048575) >>> 0, buf, pos + off1);
              }
            }
          }
          exports2.writeDoubleLE = writeDouble_ieee754.bind(null, writeUintLE, 0, 4);
          exports2.writeDoubleBE = writeDouble_ieee754.bind(null, writeUintBE, 4, 0);
          function readDouble_ieee754(readUint, off0, off1, buf, pos) {
            var lo = readUint(buf, pos + off0), hi = readUint(buf, pos + off1);
            var sign = (hi >> 31) * 2 + 1, exponent = hi >>> 20 & 2047, mantissa = 4294967296 * (hi & 1048575) + lo;
            return exponent === 2047 ? mantissa ? NaN : sign * Infinity : exponent === 0 ? sign * 5e-324 * mantissa : sign * Math.pow(2, exponent - 1075) * (mantissa + 4503599627370496);
          }
          exports2.readDoubleLE = readDouble_ieee754.bind(null, readUintLE, 0, 4);
          exports2.readDoubleBE = readDouble_ieee754.bind(null, readUintBE, 4, 0);
        })();
        return exports2;
      }
      function writeUintLE(val, buf, pos) {
        buf[pos] = val & 255;
        buf[pos + 1] = val >>> 8 & 255;
        buf[pos + 2] = val >>> 16 & 255;
        buf[pos + 3] = val >>> 24;
      }
      function writeUintBE(val, buf, pos) {
        buf[pos] = val >>> 24;
        buf[pos + 1] = val >>> 16 & 255;
        buf[pos + 2] = val >>> 8 & 255;
        buf[pos + 3] = val & 255;
      }
      function readUintLE(buf, pos) {
        return (buf[pos] | buf[pos + 1] << 8 | buf[pos + 2] << 16 | buf[pos + 3] << 24) >>> 0;
      }
      function readUintBE(buf, pos) {
        return (buf[pos] << 24 | buf[pos + 1] << 16 | buf[pos + 2] << 8 | buf[pos + 3]) >>> 0;
      }
    }
  });

  // node_modules/@protobufjs/utf8/index.js
  var require_utf8 = __commonJS({
    "node_modules/@protobufjs/utf8/index.js"(exports) {
      "use strict";
      var utf82 = exports;
      var replacementCharCode = 65533;
      utf82.length = function utf8_length(string) {
        var len = 0, c = 0;
        for (var i = 0; i < string.length; ++i) {
          c = string.charCodeAt(i);
          if (c < 128)
            len += 1;
          else if (c < 2048)
            len += 2;
          else if ((c & 64512) === 55296 && (string.charCodeAt(i + 1) & 64512) === 56320) {
            ++i;
            len += 4;
          } else
            len += 3;
        }
        return len;
      };
      utf82.read = function utf8_read(buffer, start, end) {
        if (end - start < 1)
          return "";
        var parts = null, chunk = [], i = 0, t, t2, c2, c3;
        while (start < end) {
          t = buffer[start++];
          if (t <= 127) {
            chunk[i++] = t;
          } else if (t >= 192 && t < 224) {
            c2 = (t & 31) << 6 | buffer[start++] & 63;
            chunk[i++] = c2 >= 128 ? c2 : replacementCharCode;
          } else if (t >= 224 && t < 240) {
            c3 = (t & 15) << 12 | (buffer[start++] & 63) << 6 | buffer[start++] & 63;
            chunk[i++] = c3 >= 2048 ? c3 : replacementCharCode;
          } else if (t >= 240) {
            t2 = (t & 7) << 18 | (buffer[start++] & 63) << 12 | (buffer[start++] & 63) << 6 | buffer[start++] & 63;
            if (t2 < 65536 || t2 > 1114111)
              chunk[i++] = replacementCharCode;
            else {
              t2 -= 65536;
              chunk[i++] = 55296 + (t2 >> 10);
              chunk[i++] = 56320 + (t2 & 1023);
            }
          }
          if (i > 8191) {
            (parts || (parts = [])).push(String.fromCharCode.apply(String, chunk.slice(0, i)));
            i = 0;
          }
        }
        if (parts) {
          if (i)
            parts.push(String.fromCharCode.apply(String, chunk.slice(0, i)));
          return parts.join("");
        }
        return String.fromCharCode.apply(String, chunk.slice(0, i));
      };
      utf82.write = function utf8_write(string, buffer, offset) {
        var start = offset, c1, c2;
        for (var i = 0; i < string.length; ++i) {
          c1 = string.charCodeAt(i);
          if (c1 < 128) {
            buffer[offset++] = c1;
          } else if (c1 < 2048) {
            buffer[offset++] = c1 >> 6 | 192;
            buffer[offset++] = c1 & 63 | 128;
          } else if ((c1 & 64512) === 55296 && ((c2 = string.charCodeAt(i + 1)) & 64512) === 56320) {
            c1 = 65536 + ((c1 & 1023) << 10) + (c2 & 1023);
            ++i;
            buffer[offset++] = c1 >> 18 | 240;
            buffer[offset++] = c1 >> 12 & 63 | 128;
            buffer[offset++] = c1 >> 6 & 63 | 128;
            buffer[offset++] = c1 & 63 | 128;
          } else {
            buffer[offset++] = c1 >> 12 | 224;
            buffer[offset++] = c1 >> 6 & 63 | 128;
            buffer[offset++] = c1 & 63 | 128;
          }
        }
        return offset - start;
      };
    }
  });

  // node_modules/@protobufjs/pool/index.js
  var require_pool = __commonJS({
    "node_modules/@protobufjs/pool/index.js"(exports, module) {
      "use strict";
      module.exports = pool;
      function pool(alloc, slice, size) {
        var SIZE = size || 8192;
        var MAX = SIZE >>> 1;
        var slab = null;
        var offset = SIZE;
        return function pool_alloc(size2) {
          if (size2 < 1 || size2 > MAX)
            return alloc(size2);
          if (offset + size2 > SIZE) {
            slab = alloc(SIZE);
            offset = 0;
          }
          var buf = slice.call(slab, offset, offset += size2);
          if (offset & 7)
            offset = (offset | 7) + 1;
          return buf;
        };
      }
    }
  });

  // node_modules/protobufjs/src/util/longbits.js
  var require_longbits = __commonJS({
    "node_modules/protobufjs/src/util/longbits.js"(exports, module) {
      "use strict";
      module.exports = LongBits;
      var util = require_minimal();
      function LongBits(lo, hi) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
      }
      var zero = LongBits.zero = new LongBits(0, 0);
      zero.toNumber = function() {
        return 0;
      };
      zero.zzEncode = zero.zzDecode = function() {
        return this;
      };
      zero.length = function() {
        return 1;
      };
      var zeroHash = LongBits.zeroHash = "\0\0\0\0\0\0\0\0";
      LongBits.fromNumber = function fromNumber(value) {
        if (value === 0)
          return zero;
        var sign = value < 0;
        if (sign)
          value = -value;
        var lo = value >>> 0, hi = (value - lo) / 4294967296 >>> 0;
        if (sign) {
          hi = ~hi >>> 0;
          lo = ~lo >>> 0;
          if (++lo > 4294967295) {
            lo = 0;
            if (++hi > 4294967295)
              hi = 0;
          }
        }
        return new LongBits(lo, hi);
      };
      LongBits.from = function from(value) {
        if (typeof value === "number")
          return LongBits.fromNumber(value);
        if (util.isString(value)) {
          if (util.Long)
            value = util.Long.fromString(value);
          else
            return LongBits.fromNumber(parseInt(value, 10));
        }
        return value.low || value.high ? new LongBits(value.low >>> 0, value.high >>> 0) : zero;
      };
      LongBits.prototype.toNumber = function toNumber2(unsigned) {
        if (!unsigned && this.hi >>> 31) {
          var lo = ~this.lo + 1 >>> 0, hi = ~this.hi >>> 0;
          if (!lo)
            hi = hi + 1 >>> 0;
          return -(lo + hi * 4294967296);
        }
        return this.lo + this.hi * 4294967296;
      };
      LongBits.prototype.toLong = function toLong(unsigned) {
        return util.Long ? new util.Long(this.lo | 0, this.hi | 0, Boolean(unsigned)) : { low: this.lo | 0, high: this.hi | 0, unsigned: Boolean(unsigned) };
      };
      var charCodeAt = String.prototype.charCodeAt;
      LongBits.fromHash = function fromHash(hash) {
        if (hash === zeroHash)
          return zero;
        return new LongBits(
          (charCodeAt.call(hash, 0) | charCodeAt.call(hash, 1) << 8 | charCodeAt.call(hash, 2) << 16 | charCodeAt.call(hash, 3) << 24) >>> 0,
          (charCodeAt.call(hash, 4) | charCodeAt.call(hash, 5) << 8 | charCodeAt.call(hash, 6) << 16 | charCodeAt.call(hash, 7) << 24) >>> 0
        );
      };
      LongBits.prototype.toHash = function toHash() {
        return String.fromCharCode(
          this.lo & 255,
          this.lo >>> 8 & 255,
          this.lo >>> 16 & 255,
          this.lo >>> 24,
          this.hi & 255,
          this.hi >>> 8 & 255,
          this.hi >>> 16 & 255,
          this.hi >>> 24
        );
      };
      LongBits.prototype.zzEncode = function zzEncode() {
        var mask = this.hi >> 31;
        this.hi = ((this.hi << 1 | this.lo >>> 31) ^ mask) >>> 0;
        this.lo = (this.lo << 1 ^ mask) >>> 0;
        return this;
      };
      LongBits.prototype.zzDecode = function zzDecode() {
        var mask = -(this.lo & 1);
        this.lo = ((this.lo >>> 1 | this.hi << 31) ^ mask) >>> 0;
        this.hi = (this.hi >>> 1 ^ mask) >>> 0;
        return this;
      };
      LongBits.prototype.length = function length() {
        var part0 = this.lo, part1 = (this.lo >>> 28 | this.hi << 4) >>> 0, part2 = this.hi >>> 24;
        return part2 === 0 ? part1 === 0 ? part0 < 16384 ? part0 < 128 ? 1 : 2 : part0 < 2097152 ? 3 : 4 : part1 < 16384 ? part1 < 128 ? 5 : 6 : part1 < 2097152 ? 7 : 8 : part2 < 128 ? 9 : 10;
      };
    }
  });

  // long-stub.cjs
  var require_long_stub = __commonJS({
    "long-stub.cjs"(exports, module) {
      module.exports = null;
    }
  });

  // node_modules/protobufjs/src/util/minimal.js
  var require_minimal = __commonJS({
    "node_modules/protobufjs/src/util/minimal.js"(exports) {
      "use strict";
      var util = exports;
      util.asPromise = require_aspromise();
      util.base64 = require_base64();
      util.EventEmitter = require_eventemitter();
      util.float = require_float();
      util.utf8 = require_utf8();
      util.pool = require_pool();
      util.LongBits = require_longbits();
      function isUnsafeProperty(key) {
        return key === "__proto__" || key === "prototype" || key === "constructor";
      }
      util.isUnsafeProperty = isUnsafeProperty;
      util.isNode = Boolean(typeof global !== "undefined" && global && global.process && global.process.versions && global.process.versions.node);
      util.global = util.isNode && global || typeof window !== "undefined" && window || typeof self !== "undefined" && self || exports;
      util.emptyArray = Object.freeze ? Object.freeze([]) : (
        /* istanbul ignore next */
        []
      );
      util.emptyObject = Object.freeze ? Object.freeze({}) : (
        /* istanbul ignore next */
        {}
      );
      util.isInteger = Number.isInteger || /* istanbul ignore next */
      function isInteger(value) {
        return typeof value === "number" && isFinite(value) && Math.floor(value) === value;
      };
      util.isString = function isString(value) {
        return typeof value === "string" || value instanceof String;
      };
      util.isObject = function isObject(value) {
        return value && typeof value === "object";
      };
      util.isset = /**
       * Checks if a property on a message is considered to be present.
       * @param {Object} obj Plain object or message instance
       * @param {string} prop Property name
       * @returns {boolean} `true` if considered to be present, otherwise `false`
       */
      util.isSet = function isSet(obj, prop) {
        var value = obj[prop];
        if (value != null && Object.hasOwnProperty.call(obj, prop))
          return typeof value !== "object" || (Array.isArray(value) ? value.length : Object.keys(value).length) > 0;
        return false;
      };
      util.Buffer = (function() {
        try {
          var Buffer2 = util.global.Buffer;
          return Buffer2.prototype.utf8Write ? Buffer2 : (
            /* istanbul ignore next */
            null
          );
        } catch (e) {
          return null;
        }
      })();
      util._Buffer_from = null;
      util._Buffer_allocUnsafe = null;
      util.newBuffer = function newBuffer(sizeOrArray) {
        return typeof sizeOrArray === "number" ? util.Buffer ? util._Buffer_allocUnsafe(sizeOrArray) : new util.Array(sizeOrArray) : util.Buffer ? util._Buffer_from(sizeOrArray) : typeof Uint8Array === "undefined" ? sizeOrArray : new Uint8Array(sizeOrArray);
      };
      util.Array = typeof Uint8Array !== "undefined" ? Uint8Array : Array;
      util.Long = /* istanbul ignore next */
      util.global.dcodeIO && /* istanbul ignore next */
      util.global.dcodeIO.Long || /* istanbul ignore next */
      util.global.Long || (function() {
        try {
          var Long = require_long_stub();
          return Long && Long.isLong ? Long : null;
        } catch (e) {
          return null;
        }
      })();
      util.key2Re = /^true|false|0|1$/;
      util.key32Re = /^-?(?:0|[1-9][0-9]*)$/;
      util.key64Re = /^(?:[\\x00-\\xff]{8}|-?(?:0|[1-9][0-9]*))$/;
      util.longToHash = function longToHash(value) {
        return value ? util.LongBits.from(value).toHash() : util.LongBits.zeroHash;
      };
      util.longFromHash = function longFromHash(hash, unsigned) {
        var bits = util.LongBits.fromHash(hash);
        if (util.Long)
          return util.Long.fromBits(bits.lo, bits.hi, unsigned);
        return bits.toNumber(Boolean(unsigned));
      };
      function merge(dst) {
        var ifNotSet = typeof arguments[arguments.length - 1] === "boolean", limit = ifNotSet ? arguments.length - 1 : arguments.length;
        ifNotSet = ifNotSet && arguments[arguments.length - 1];
        for (var a = 1; a < limit; ++a) {
          var src = arguments[a];
          if (!src)
            continue;
          for (var keys = Object.keys(src), i = 0; i < keys.length; ++i)
            if (!isUnsafeProperty(keys[i]) && (dst[keys[i]] === void 0 || !ifNotSet))
              dst[keys[i]] = src[keys[i]];
        }
        return dst;
      }
      util.merge = merge;
      util.nestingLimit = 32;
      util.recursionLimit = 100;
      util.makeProp = function makeProp(obj, key) {
        Object.defineProperty(obj, key, {
          enumerable: true,
          configurable: true,
          writable: true
        });
      };
      util.lcFirst = function lcFirst(str) {
        return str.charAt(0).toLowerCase() + str.substring(1);
      };
      function newError(name) {
        function CustomError(message, properties) {
          if (!(this instanceof CustomError))
            return new CustomError(message, properties);
          Object.defineProperty(this, "message", { get: function() {
            return message;
          } });
          if (Error.captureStackTrace)
            Error.captureStackTrace(this, CustomError);
          else
            Object.defineProperty(this, "stack", { value: new Error().stack || "" });
          if (properties)
            merge(this, properties);
        }
        CustomError.prototype = Object.create(Error.prototype, {
          constructor: {
            value: CustomError,
            writable: true,
            enumerable: false,
            configurable: true
          },
          name: {
            get: function get() {
              return name;
            },
            set: void 0,
            enumerable: false,
            // configurable: false would accurately preserve the behavior of
            // the original, but I'm guessing that was not intentional.
            // For an actual error subclass, this property would
            // be configurable.
            configurable: true
          },
          toString: {
            value: function value() {
              return this.name + ": " + this.message;
            },
            writable: true,
            enumerable: false,
            configurable: true
          }
        });
        return CustomError;
      }
      util.newError = newError;
      util.ProtocolError = newError("ProtocolError");
      util.oneOfGetter = function getOneOf(fieldNames) {
        var fieldMap = {};
        for (var i = 0; i < fieldNames.length; ++i)
          fieldMap[fieldNames[i]] = 1;
        return function() {
          for (var keys = Object.keys(this), i2 = keys.length - 1; i2 > -1; --i2)
            if (fieldMap[keys[i2]] === 1 && this[keys[i2]] !== void 0 && this[keys[i2]] !== null)
              return keys[i2];
        };
      };
      util.oneOfSetter = function setOneOf(fieldNames) {
        return function(name) {
          for (var i = 0; i < fieldNames.length; ++i)
            if (fieldNames[i] !== name)
              delete this[fieldNames[i]];
        };
      };
      util.toJSONOptions = {
        longs: String,
        enums: String,
        bytes: String,
        json: true
      };
      util._configure = function() {
        var Buffer2 = util.Buffer;
        if (!Buffer2) {
          util._Buffer_from = util._Buffer_allocUnsafe = null;
          return;
        }
        util._Buffer_from = Buffer2.from !== Uint8Array.from && Buffer2.from || /* istanbul ignore next */
        function Buffer_from(value, encoding) {
          return new Buffer2(value, encoding);
        };
        util._Buffer_allocUnsafe = Buffer2.allocUnsafe || /* istanbul ignore next */
        function Buffer_allocUnsafe(size) {
          return new Buffer2(size);
        };
      };
    }
  });

  // node_modules/protobufjs/src/writer.js
  var require_writer = __commonJS({
    "node_modules/protobufjs/src/writer.js"(exports, module) {
      "use strict";
      module.exports = Writer2;
      var util = require_minimal();
      var BufferWriter;
      var LongBits = util.LongBits;
      var base64 = util.base64;
      var utf82 = util.utf8;
      function Op(fn, len, val) {
        this.fn = fn;
        this.len = len;
        this.next = void 0;
        this.val = val;
      }
      function noop() {
      }
      function State(writer) {
        this.head = writer.head;
        this.tail = writer.tail;
        this.len = writer.len;
        this.next = writer.states;
      }
      function Writer2() {
        this.len = 0;
        this.head = new Op(noop, 0, 0);
        this.tail = this.head;
        this.states = null;
      }
      var create = function create2() {
        return util.Buffer ? function create_buffer_setup() {
          return (Writer2.create = function create_buffer() {
            return new BufferWriter();
          })();
        } : function create_array() {
          return new Writer2();
        };
      };
      Writer2.create = create();
      Writer2.alloc = function alloc(size) {
        return new util.Array(size);
      };
      if (util.Array !== Array)
        Writer2.alloc = util.pool(Writer2.alloc, util.Array.prototype.subarray);
      Writer2.prototype._push = function push(fn, len, val) {
        this.tail = this.tail.next = new Op(fn, len, val);
        this.len += len;
        return this;
      };
      function writeByte(val, buf, pos) {
        buf[pos] = val & 255;
      }
      function writeVarint32(val, buf, pos) {
        while (val > 127) {
          buf[pos++] = val & 127 | 128;
          val >>>= 7;
        }
        buf[pos] = val;
      }
      function VarintOp(len, val) {
        this.len = len;
        this.next = void 0;
        this.val = val;
      }
      VarintOp.prototype = Object.create(Op.prototype);
      VarintOp.prototype.fn = writeVarint32;
      Writer2.prototype.uint32 = function write_uint32(value) {
        this.len += (this.tail = this.tail.next = new VarintOp(
          (value = value >>> 0) < 128 ? 1 : value < 16384 ? 2 : value < 2097152 ? 3 : value < 268435456 ? 4 : 5,
          value
        )).len;
        return this;
      };
      Writer2.prototype.int32 = function write_int32(value) {
        return (value |= 0) < 0 ? this._push(writeVarint64, 10, LongBits.fromNumber(value)) : this.uint32(value);
      };
      Writer2.prototype.sint32 = function write_sint32(value) {
        return this.uint32((value << 1 ^ value >> 31) >>> 0);
      };
      function writeVarint64(val, buf, pos) {
        var lo = val.lo, hi = val.hi;
        while (hi) {
          buf[pos++] = lo & 127 | 128;
          lo = (lo >>> 7 | hi << 25) >>> 0;
          hi >>>= 7;
        }
        while (lo > 127) {
          buf[pos++] = lo & 127 | 128;
          lo = lo >>> 7;
        }
        buf[pos++] = lo;
      }
      Writer2.prototype.uint64 = function write_uint64(value) {
        var bits = LongBits.from(value);
        return this._push(writeVarint64, bits.length(), bits);
      };
      Writer2.prototype.int64 = Writer2.prototype.uint64;
      Writer2.prototype.sint64 = function write_sint64(value) {
        var bits = LongBits.from(value).zzEncode();
        return this._push(writeVarint64, bits.length(), bits);
      };
      Writer2.prototype.bool = function write_bool(value) {
        return this._push(writeByte, 1, value ? 1 : 0);
      };
      function writeFixed32(val, buf, pos) {
        buf[pos] = val & 255;
        buf[pos + 1] = val >>> 8 & 255;
        buf[pos + 2] = val >>> 16 & 255;
        buf[pos + 3] = val >>> 24;
      }
      Writer2.prototype.fixed32 = function write_fixed32(value) {
        return this._push(writeFixed32, 4, value >>> 0);
      };
      Writer2.prototype.sfixed32 = Writer2.prototype.fixed32;
      Writer2.prototype.fixed64 = function write_fixed64(value) {
        var bits = LongBits.from(value);
        return this._push(writeFixed32, 4, bits.lo)._push(writeFixed32, 4, bits.hi);
      };
      Writer2.prototype.sfixed64 = Writer2.prototype.fixed64;
      Writer2.prototype.float = function write_float(value) {
        return this._push(util.float.writeFloatLE, 4, value);
      };
      Writer2.prototype.double = function write_double(value) {
        return this._push(util.float.writeDoubleLE, 8, value);
      };
      var writeBytes = util.Array.prototype.set ? function writeBytes_set(val, buf, pos) {
        buf.set(val, pos);
      } : function writeBytes_for(val, buf, pos) {
        for (var i = 0; i < val.length; ++i)
          buf[pos + i] = val[i];
      };
      Writer2.prototype.bytes = function write_bytes(value) {
        var len = value.length >>> 0;
        if (!len)
          return this._push(writeByte, 1, 0);
        if (util.isString(value)) {
          var buf = Writer2.alloc(len = base64.length(value));
          base64.decode(value, buf, 0);
          value = buf;
        }
        return this.uint32(len)._push(writeBytes, len, value);
      };
      Writer2.prototype.string = function write_string(value) {
        var len = utf82.length(value);
        return len ? this.uint32(len)._push(utf82.write, len, value) : this._push(writeByte, 1, 0);
      };
      Writer2.prototype.fork = function fork() {
        this.states = new State(this);
        this.head = this.tail = new Op(noop, 0, 0);
        this.len = 0;
        return this;
      };
      Writer2.prototype.reset = function reset() {
        if (this.states) {
          this.head = this.states.head;
          this.tail = this.states.tail;
          this.len = this.states.len;
          this.states = this.states.next;
        } else {
          this.head = this.tail = new Op(noop, 0, 0);
          this.len = 0;
        }
        return this;
      };
      Writer2.prototype.ldelim = function ldelim() {
        var head = this.head, tail = this.tail, len = this.len;
        this.reset().uint32(len);
        if (len) {
          this.tail.next = head.next;
          this.tail = tail;
          this.len += len;
        }
        return this;
      };
      Writer2.prototype.finish = function finish() {
        var head = this.head.next, buf = this.constructor.alloc(this.len), pos = 0;
        while (head) {
          head.fn(head.val, buf, pos);
          pos += head.len;
          head = head.next;
        }
        return buf;
      };
      Writer2._configure = function(BufferWriter_) {
        BufferWriter = BufferWriter_;
        Writer2.create = create();
        BufferWriter._configure();
      };
    }
  });

  // node_modules/protobufjs/src/writer_buffer.js
  var require_writer_buffer = __commonJS({
    "node_modules/protobufjs/src/writer_buffer.js"(exports, module) {
      "use strict";
      module.exports = BufferWriter;
      var Writer2 = require_writer();
      (BufferWriter.prototype = Object.create(Writer2.prototype)).constructor = BufferWriter;
      var util = require_minimal();
      function BufferWriter() {
        Writer2.call(this);
      }
      BufferWriter._configure = function() {
        BufferWriter.alloc = util._Buffer_allocUnsafe;
        BufferWriter.writeBytesBuffer = util.Buffer && util.Buffer.prototype instanceof Uint8Array && util.Buffer.prototype.set.name === "set" ? function writeBytesBuffer_set(val, buf, pos) {
          buf.set(val, pos);
        } : function writeBytesBuffer_copy(val, buf, pos) {
          if (val.copy)
            val.copy(buf, pos, 0, val.length);
          else for (var i = 0; i < val.length; )
            buf[pos++] = val[i++];
        };
      };
      BufferWriter.prototype.bytes = function write_bytes_buffer(value) {
        if (util.isString(value))
          value = util._Buffer_from(value, "base64");
        var len = value.length >>> 0;
        this.uint32(len);
        if (len)
          this._push(BufferWriter.writeBytesBuffer, len, value);
        return this;
      };
      function writeStringBuffer(val, buf, pos) {
        if (val.length < 40)
          util.utf8.write(val, buf, pos);
        else if (buf.utf8Write)
          buf.utf8Write(val, pos);
        else
          buf.write(val, pos);
      }
      BufferWriter.prototype.string = function write_string_buffer(value) {
        var len = util.Buffer.byteLength(value);
        this.uint32(len);
        if (len)
          this._push(writeStringBuffer, len, value);
        return this;
      };
      BufferWriter._configure();
    }
  });

  // node_modules/protobufjs/src/reader.js
  var require_reader = __commonJS({
    "node_modules/protobufjs/src/reader.js"(exports, module) {
      "use strict";
      module.exports = Reader2;
      var util = require_minimal();
      var BufferReader;
      var LongBits = util.LongBits;
      var utf82 = util.utf8;
      function indexOutOfRange(reader, writeLength) {
        return RangeError("index out of range: " + reader.pos + " + " + (writeLength || 1) + " > " + reader.len);
      }
      function Reader2(buffer) {
        this.buf = buffer;
        this.pos = 0;
        this.len = buffer.length;
      }
      var create_array = typeof Uint8Array !== "undefined" ? function create_typed_array(buffer) {
        if (buffer instanceof Uint8Array || Array.isArray(buffer))
          return new Reader2(buffer);
        throw Error("illegal buffer");
      } : function create_array2(buffer) {
        if (Array.isArray(buffer))
          return new Reader2(buffer);
        throw Error("illegal buffer");
      };
      var create = function create2() {
        return util.Buffer ? function create_buffer_setup(buffer) {
          return (Reader2.create = function create_buffer(buffer2) {
            return util.Buffer.isBuffer(buffer2) ? new BufferReader(buffer2) : create_array(buffer2);
          })(buffer);
        } : create_array;
      };
      Reader2.create = create();
      Reader2.prototype._slice = util.Array.prototype.subarray || /* istanbul ignore next */
      util.Array.prototype.slice;
      function readVarint32NearEnd(reader) {
        var value = 0;
        for (var i = 0; i < 4; ++i) {
          if (reader.pos >= reader.len)
            throw indexOutOfRange(reader);
          var b = reader.buf[reader.pos++];
          value = (value | (b & 127) << i * 7) >>> 0;
          if (b < 128)
            return value;
        }
        throw indexOutOfRange(reader);
      }
      Reader2.prototype.uint32 = /* @__PURE__ */ (function read_uint32_setup() {
        var value = 4294967295;
        return function read_uint32() {
          if (this.len - this.pos < 5) {
            if (this.pos >= this.len)
              throw indexOutOfRange(this);
            if (this.buf[this.pos] >= 128)
              return readVarint32NearEnd(this);
          }
          value = (this.buf[this.pos] & 127) >>> 0;
          if (this.buf[this.pos++] < 128) return value;
          value = (value | (this.buf[this.pos] & 127) << 7) >>> 0;
          if (this.buf[this.pos++] < 128) return value;
          value = (value | (this.buf[this.pos] & 127) << 14) >>> 0;
          if (this.buf[this.pos++] < 128) return value;
          value = (value | (this.buf[this.pos] & 127) << 21) >>> 0;
          if (this.buf[this.pos++] < 128) return value;
          value = (value | (this.buf[this.pos] & 15) << 28) >>> 0;
          if (this.buf[this.pos++] < 128) return value;
          if ((this.pos += 5) > this.len) {
            this.pos = this.len;
            throw indexOutOfRange(this, 10);
          }
          return value;
        };
      })();
      Reader2.prototype.int32 = function read_int32() {
        return this.uint32() | 0;
      };
      Reader2.prototype.sint32 = function read_sint32() {
        var value = this.uint32();
        return value >>> 1 ^ -(value & 1) | 0;
      };
      function readLongVarint() {
        var bits = new LongBits(0, 0);
        var i = 0;
        if (this.len - this.pos > 4) {
          for (; i < 4; ++i) {
            bits.lo = (bits.lo | (this.buf[this.pos] & 127) << i * 7) >>> 0;
            if (this.buf[this.pos++] < 128)
              return bits;
          }
          bits.lo = (bits.lo | (this.buf[this.pos] & 127) << 28) >>> 0;
          bits.hi = (bits.hi | (this.buf[this.pos] & 127) >> 4) >>> 0;
          if (this.buf[this.pos++] < 128)
            return bits;
          i = 0;
        } else {
          for (; i < 3; ++i) {
            if (this.pos >= this.len)
              throw indexOutOfRange(this);
            bits.lo = (bits.lo | (this.buf[this.pos] & 127) << i * 7) >>> 0;
            if (this.buf[this.pos++] < 128)
              return bits;
          }
          bits.lo = (bits.lo | (this.buf[this.pos++] & 127) << i * 7) >>> 0;
          return bits;
        }
        if (this.len - this.pos > 4) {
          for (; i < 5; ++i) {
            bits.hi = (bits.hi | (this.buf[this.pos] & 127) << i * 7 + 3) >>> 0;
            if (this.buf[this.pos++] < 128)
              return bits;
          }
        } else {
          for (; i < 5; ++i) {
            if (this.pos >= this.len)
              throw indexOutOfRange(this);
            bits.hi = (bits.hi | (this.buf[this.pos] & 127) << i * 7 + 3) >>> 0;
            if (this.buf[this.pos++] < 128)
              return bits;
          }
        }
        throw Error("invalid varint encoding");
      }
      Reader2.prototype.bool = function read_bool() {
        return this.uint32() !== 0;
      };
      function readFixed32_end(buf, end) {
        return (buf[end - 4] | buf[end - 3] << 8 | buf[end - 2] << 16 | buf[end - 1] << 24) >>> 0;
      }
      Reader2.prototype.fixed32 = function read_fixed32() {
        if (this.pos + 4 > this.len)
          throw indexOutOfRange(this, 4);
        return readFixed32_end(this.buf, this.pos += 4);
      };
      Reader2.prototype.sfixed32 = function read_sfixed32() {
        if (this.pos + 4 > this.len)
          throw indexOutOfRange(this, 4);
        return readFixed32_end(this.buf, this.pos += 4) | 0;
      };
      function readFixed64() {
        if (this.pos + 8 > this.len)
          throw indexOutOfRange(this, 8);
        return new LongBits(readFixed32_end(this.buf, this.pos += 4), readFixed32_end(this.buf, this.pos += 4));
      }
      Reader2.prototype.float = function read_float() {
        if (this.pos + 4 > this.len)
          throw indexOutOfRange(this, 4);
        var value = util.float.readFloatLE(this.buf, this.pos);
        this.pos += 4;
        return value;
      };
      Reader2.prototype.double = function read_double() {
        if (this.pos + 8 > this.len)
          throw indexOutOfRange(this, 4);
        var value = util.float.readDoubleLE(this.buf, this.pos);
        this.pos += 8;
        return value;
      };
      Reader2.prototype.bytes = function read_bytes() {
        var length = this.uint32(), start = this.pos, end = this.pos + length;
        if (end > this.len)
          throw indexOutOfRange(this, length);
        this.pos += length;
        if (Array.isArray(this.buf))
          return this.buf.slice(start, end);
        if (start === end) {
          var nativeBuffer = util.Buffer;
          return nativeBuffer ? nativeBuffer.alloc(0) : new this.buf.constructor(0);
        }
        return this._slice.call(this.buf, start, end);
      };
      Reader2.prototype.string = function read_string() {
        var bytes = this.bytes();
        return utf82.read(bytes, 0, bytes.length);
      };
      Reader2.prototype.skip = function skip(length) {
        if (typeof length === "number") {
          if (this.pos + length > this.len)
            throw indexOutOfRange(this, length);
          this.pos += length;
        } else {
          do {
            if (this.pos >= this.len)
              throw indexOutOfRange(this);
          } while (this.buf[this.pos++] & 128);
        }
        return this;
      };
      Reader2.recursionLimit = util.recursionLimit;
      Reader2.prototype.skipType = function(wireType, depth) {
        if (depth === void 0) depth = 0;
        if (depth > Reader2.recursionLimit)
          throw Error("maximum nesting depth exceeded");
        switch (wireType) {
          case 0:
            this.skip();
            break;
          case 1:
            this.skip(8);
            break;
          case 2:
            this.skip(this.uint32());
            break;
          case 3:
            while ((wireType = this.uint32() & 7) !== 4) {
              this.skipType(wireType, depth + 1);
            }
            break;
          case 5:
            this.skip(4);
            break;
          /* istanbul ignore next */
          default:
            throw Error("invalid wire type " + wireType + " at offset " + this.pos);
        }
        return this;
      };
      Reader2._configure = function(BufferReader_) {
        BufferReader = BufferReader_;
        Reader2.create = create();
        BufferReader._configure();
        var fn = util.Long ? "toLong" : (
          /* istanbul ignore next */
          "toNumber"
        );
        util.merge(Reader2.prototype, {
          int64: function read_int64() {
            return readLongVarint.call(this)[fn](false);
          },
          uint64: function read_uint64() {
            return readLongVarint.call(this)[fn](true);
          },
          sint64: function read_sint64() {
            return readLongVarint.call(this).zzDecode()[fn](false);
          },
          fixed64: function read_fixed64() {
            return readFixed64.call(this)[fn](true);
          },
          sfixed64: function read_sfixed64() {
            return readFixed64.call(this)[fn](false);
          }
        });
      };
    }
  });

  // node_modules/protobufjs/src/reader_buffer.js
  var require_reader_buffer = __commonJS({
    "node_modules/protobufjs/src/reader_buffer.js"(exports, module) {
      "use strict";
      module.exports = BufferReader;
      var Reader2 = require_reader();
      (BufferReader.prototype = Object.create(Reader2.prototype)).constructor = BufferReader;
      var util = require_minimal();
      function BufferReader(buffer) {
        Reader2.call(this, buffer);
      }
      BufferReader._configure = function() {
        if (util.Buffer)
          BufferReader.prototype._slice = util.Buffer.prototype.slice;
      };
      BufferReader.prototype.string = function read_string_buffer() {
        var len = this.uint32();
        return this.buf.utf8Slice ? this.buf.utf8Slice(this.pos, this.pos = Math.min(this.pos + len, this.len)) : this.buf.toString("utf-8", this.pos, this.pos = Math.min(this.pos + len, this.len));
      };
      BufferReader._configure();
    }
  });

  // node_modules/protobufjs/src/rpc/service.js
  var require_service = __commonJS({
    "node_modules/protobufjs/src/rpc/service.js"(exports, module) {
      "use strict";
      module.exports = Service;
      var util = require_minimal();
      (Service.prototype = Object.create(util.EventEmitter.prototype)).constructor = Service;
      function Service(rpcImpl, requestDelimited, responseDelimited) {
        if (typeof rpcImpl !== "function")
          throw TypeError("rpcImpl must be a function");
        util.EventEmitter.call(this);
        this.rpcImpl = rpcImpl;
        this.requestDelimited = Boolean(requestDelimited);
        this.responseDelimited = Boolean(responseDelimited);
      }
      Service.prototype.rpcCall = function rpcCall(method, requestCtor, responseCtor, request, callback) {
        if (!request)
          throw TypeError("request must be specified");
        var self2 = this;
        if (!callback)
          return util.asPromise(rpcCall, self2, method, requestCtor, responseCtor, request);
        if (!self2.rpcImpl) {
          setTimeout(function() {
            callback(Error("already ended"));
          }, 0);
          return void 0;
        }
        try {
          return self2.rpcImpl(
            method,
            requestCtor[self2.requestDelimited ? "encodeDelimited" : "encode"](request).finish(),
            function rpcCallback(err, response) {
              if (err) {
                self2.emit("error", err, method);
                return callback(err);
              }
              if (response === null) {
                self2.end(
                  /* endedByRPC */
                  true
                );
                return void 0;
              }
              if (!(response instanceof responseCtor)) {
                try {
                  response = responseCtor[self2.responseDelimited ? "decodeDelimited" : "decode"](response);
                } catch (err2) {
                  self2.emit("error", err2, method);
                  return callback(err2);
                }
              }
              self2.emit("data", response, method);
              return callback(null, response);
            }
          );
        } catch (err) {
          self2.emit("error", err, method);
          setTimeout(function() {
            callback(err);
          }, 0);
          return void 0;
        }
      };
      Service.prototype.end = function end(endedByRPC) {
        if (this.rpcImpl) {
          if (!endedByRPC)
            this.rpcImpl(null, null, null);
          this.rpcImpl = null;
          this.emit("end").off();
        }
        return this;
      };
    }
  });

  // node_modules/protobufjs/src/rpc.js
  var require_rpc = __commonJS({
    "node_modules/protobufjs/src/rpc.js"(exports) {
      "use strict";
      var rpc = exports;
      rpc.Service = require_service();
    }
  });

  // node_modules/protobufjs/src/roots.js
  var require_roots = __commonJS({
    "node_modules/protobufjs/src/roots.js"(exports, module) {
      "use strict";
      module.exports = /* @__PURE__ */ Object.create(null);
    }
  });

  // node_modules/protobufjs/src/index-minimal.js
  var require_index_minimal = __commonJS({
    "node_modules/protobufjs/src/index-minimal.js"(exports) {
      "use strict";
      var protobuf3 = exports;
      protobuf3.build = "minimal";
      protobuf3.Writer = require_writer();
      protobuf3.BufferWriter = require_writer_buffer();
      protobuf3.Reader = require_reader();
      protobuf3.BufferReader = require_reader_buffer();
      protobuf3.util = require_minimal();
      protobuf3.rpc = require_rpc();
      protobuf3.roots = require_roots();
      protobuf3.configure = configure;
      function configure() {
        protobuf3.util._configure();
        protobuf3.Writer._configure(protobuf3.BufferWriter);
        protobuf3.Reader._configure(protobuf3.BufferReader);
      }
      configure();
    }
  });

  // node_modules/protobufjs/minimal.js
  var require_minimal2 = __commonJS({
    "node_modules/protobufjs/minimal.js"(exports, module) {
      "use strict";
      module.exports = require_index_minimal();
    }
  });

  // node_modules/snappyjs/snappy_decompressor.js
  var require_snappy_decompressor = __commonJS({
    "node_modules/snappyjs/snappy_decompressor.js"(exports) {
      "use strict";
      var WORD_MASK = [0, 255, 65535, 16777215, 4294967295];
      function copyBytes(fromArray, fromPos, toArray, toPos, length) {
        var i;
        for (i = 0; i < length; i++) {
          toArray[toPos + i] = fromArray[fromPos + i];
        }
      }
      function selfCopyBytes(array, pos, offset, length) {
        var i;
        for (i = 0; i < length; i++) {
          array[pos + i] = array[pos - offset + i];
        }
      }
      function SnappyDecompressor(compressed) {
        this.array = compressed;
        this.pos = 0;
      }
      SnappyDecompressor.prototype.readUncompressedLength = function() {
        var result = 0;
        var shift = 0;
        var c, val;
        while (shift < 32 && this.pos < this.array.length) {
          c = this.array[this.pos];
          this.pos += 1;
          val = c & 127;
          if (val << shift >>> shift !== val) {
            return -1;
          }
          result |= val << shift;
          if (c < 128) {
            return result;
          }
          shift += 7;
        }
        return -1;
      };
      SnappyDecompressor.prototype.uncompressToBuffer = function(outBuffer) {
        var array = this.array;
        var arrayLength = array.length;
        var pos = this.pos;
        var outPos = 0;
        var c, len, smallLen;
        var offset;
        while (pos < array.length) {
          c = array[pos];
          pos += 1;
          if ((c & 3) === 0) {
            len = (c >>> 2) + 1;
            if (len > 60) {
              if (pos + 3 >= arrayLength) {
                return false;
              }
              smallLen = len - 60;
              len = array[pos] + (array[pos + 1] << 8) + (array[pos + 2] << 16) + (array[pos + 3] << 24);
              len = (len & WORD_MASK[smallLen]) + 1;
              pos += smallLen;
            }
            if (pos + len > arrayLength) {
              return false;
            }
            copyBytes(array, pos, outBuffer, outPos, len);
            pos += len;
            outPos += len;
          } else {
            switch (c & 3) {
              case 1:
                len = (c >>> 2 & 7) + 4;
                offset = array[pos] + (c >>> 5 << 8);
                pos += 1;
                break;
              case 2:
                if (pos + 1 >= arrayLength) {
                  return false;
                }
                len = (c >>> 2) + 1;
                offset = array[pos] + (array[pos + 1] << 8);
                pos += 2;
                break;
              case 3:
                if (pos + 3 >= arrayLength) {
                  return false;
                }
                len = (c >>> 2) + 1;
                offset = array[pos] + (array[pos + 1] << 8) + (array[pos + 2] << 16) + (array[pos + 3] << 24);
                pos += 4;
                break;
              default:
                break;
            }
            if (offset === 0 || offset > outPos) {
              return false;
            }
            selfCopyBytes(outBuffer, outPos, offset, len);
            outPos += len;
          }
        }
        return true;
      };
      exports.SnappyDecompressor = SnappyDecompressor;
    }
  });

  // node_modules/snappyjs/snappy_compressor.js
  var require_snappy_compressor = __commonJS({
    "node_modules/snappyjs/snappy_compressor.js"(exports) {
      "use strict";
      var BLOCK_LOG = 16;
      var BLOCK_SIZE = 1 << BLOCK_LOG;
      var MAX_HASH_TABLE_BITS = 14;
      var globalHashTables = new Array(MAX_HASH_TABLE_BITS + 1);
      function hashFunc(key, hashFuncShift) {
        return key * 506832829 >>> hashFuncShift;
      }
      function load32(array, pos) {
        return array[pos] + (array[pos + 1] << 8) + (array[pos + 2] << 16) + (array[pos + 3] << 24);
      }
      function equals32(array, pos1, pos2) {
        return array[pos1] === array[pos2] && array[pos1 + 1] === array[pos2 + 1] && array[pos1 + 2] === array[pos2 + 2] && array[pos1 + 3] === array[pos2 + 3];
      }
      function copyBytes(fromArray, fromPos, toArray, toPos, length) {
        var i;
        for (i = 0; i < length; i++) {
          toArray[toPos + i] = fromArray[fromPos + i];
        }
      }
      function emitLiteral(input, ip, len, output, op) {
        if (len <= 60) {
          output[op] = len - 1 << 2;
          op += 1;
        } else if (len < 256) {
          output[op] = 60 << 2;
          output[op + 1] = len - 1;
          op += 2;
        } else {
          output[op] = 61 << 2;
          output[op + 1] = len - 1 & 255;
          output[op + 2] = len - 1 >>> 8;
          op += 3;
        }
        copyBytes(input, ip, output, op, len);
        return op + len;
      }
      function emitCopyLessThan64(output, op, offset, len) {
        if (len < 12 && offset < 2048) {
          output[op] = 1 + (len - 4 << 2) + (offset >>> 8 << 5);
          output[op + 1] = offset & 255;
          return op + 2;
        } else {
          output[op] = 2 + (len - 1 << 2);
          output[op + 1] = offset & 255;
          output[op + 2] = offset >>> 8;
          return op + 3;
        }
      }
      function emitCopy(output, op, offset, len) {
        while (len >= 68) {
          op = emitCopyLessThan64(output, op, offset, 64);
          len -= 64;
        }
        if (len > 64) {
          op = emitCopyLessThan64(output, op, offset, 60);
          len -= 60;
        }
        return emitCopyLessThan64(output, op, offset, len);
      }
      function compressFragment(input, ip, inputSize, output, op) {
        var hashTableBits = 1;
        while (1 << hashTableBits <= inputSize && hashTableBits <= MAX_HASH_TABLE_BITS) {
          hashTableBits += 1;
        }
        hashTableBits -= 1;
        var hashFuncShift = 32 - hashTableBits;
        if (typeof globalHashTables[hashTableBits] === "undefined") {
          globalHashTables[hashTableBits] = new Uint16Array(1 << hashTableBits);
        }
        var hashTable = globalHashTables[hashTableBits];
        var i;
        for (i = 0; i < hashTable.length; i++) {
          hashTable[i] = 0;
        }
        var ipEnd = ip + inputSize;
        var ipLimit;
        var baseIp = ip;
        var nextEmit = ip;
        var hash, nextHash;
        var nextIp, candidate, skip;
        var bytesBetweenHashLookups;
        var base, matched, offset;
        var prevHash, curHash;
        var flag = true;
        var INPUT_MARGIN = 15;
        if (inputSize >= INPUT_MARGIN) {
          ipLimit = ipEnd - INPUT_MARGIN;
          ip += 1;
          nextHash = hashFunc(load32(input, ip), hashFuncShift);
          while (flag) {
            skip = 32;
            nextIp = ip;
            do {
              ip = nextIp;
              hash = nextHash;
              bytesBetweenHashLookups = skip >>> 5;
              skip += 1;
              nextIp = ip + bytesBetweenHashLookups;
              if (ip > ipLimit) {
                flag = false;
                break;
              }
              nextHash = hashFunc(load32(input, nextIp), hashFuncShift);
              candidate = baseIp + hashTable[hash];
              hashTable[hash] = ip - baseIp;
            } while (!equals32(input, ip, candidate));
            if (!flag) {
              break;
            }
            op = emitLiteral(input, nextEmit, ip - nextEmit, output, op);
            do {
              base = ip;
              matched = 4;
              while (ip + matched < ipEnd && input[ip + matched] === input[candidate + matched]) {
                matched += 1;
              }
              ip += matched;
              offset = base - candidate;
              op = emitCopy(output, op, offset, matched);
              nextEmit = ip;
              if (ip >= ipLimit) {
                flag = false;
                break;
              }
              prevHash = hashFunc(load32(input, ip - 1), hashFuncShift);
              hashTable[prevHash] = ip - 1 - baseIp;
              curHash = hashFunc(load32(input, ip), hashFuncShift);
              candidate = baseIp + hashTable[curHash];
              hashTable[curHash] = ip - baseIp;
            } while (equals32(input, ip, candidate));
            if (!flag) {
              break;
            }
            ip += 1;
            nextHash = hashFunc(load32(input, ip), hashFuncShift);
          }
        }
        if (nextEmit < ipEnd) {
          op = emitLiteral(input, nextEmit, ipEnd - nextEmit, output, op);
        }
        return op;
      }
      function putVarint(value, output, op) {
        do {
          output[op] = value & 127;
          value = value >>> 7;
          if (value > 0) {
            output[op] += 128;
          }
          op += 1;
        } while (value > 0);
        return op;
      }
      function SnappyCompressor(uncompressed) {
        this.array = uncompressed;
      }
      SnappyCompressor.prototype.maxCompressedLength = function() {
        var sourceLen = this.array.length;
        return 32 + sourceLen + Math.floor(sourceLen / 6);
      };
      SnappyCompressor.prototype.compressToBuffer = function(outBuffer) {
        var array = this.array;
        var length = array.length;
        var pos = 0;
        var outPos = 0;
        var fragmentSize;
        outPos = putVarint(length, outBuffer, outPos);
        while (pos < length) {
          fragmentSize = Math.min(length - pos, BLOCK_SIZE);
          outPos = compressFragment(array, pos, fragmentSize, outBuffer, outPos);
          pos += fragmentSize;
        }
        return outPos;
      };
      exports.SnappyCompressor = SnappyCompressor;
    }
  });

  // node_modules/snappyjs/index.js
  var require_snappyjs = __commonJS({
    "node_modules/snappyjs/index.js"(exports) {
      "use strict";
      function isNode() {
        if (typeof process === "object") {
          if (typeof process.versions === "object") {
            if (typeof process.versions.node !== "undefined") {
              return true;
            }
          }
        }
        return false;
      }
      function isUint8Array(object) {
        return object instanceof Uint8Array && (!isNode() || !Buffer.isBuffer(object));
      }
      function isArrayBuffer(object) {
        return object instanceof ArrayBuffer;
      }
      function isBuffer(object) {
        if (!isNode()) {
          return false;
        }
        return Buffer.isBuffer(object);
      }
      var SnappyDecompressor = require_snappy_decompressor().SnappyDecompressor;
      var SnappyCompressor = require_snappy_compressor().SnappyCompressor;
      var TYPE_ERROR_MSG = "Argument compressed must be type of ArrayBuffer, Buffer, or Uint8Array";
      function uncompress2(compressed, maxLength) {
        if (!isUint8Array(compressed) && !isArrayBuffer(compressed) && !isBuffer(compressed)) {
          throw new TypeError(TYPE_ERROR_MSG);
        }
        var uint8Mode = false;
        var arrayBufferMode = false;
        if (isUint8Array(compressed)) {
          uint8Mode = true;
        } else if (isArrayBuffer(compressed)) {
          arrayBufferMode = true;
          compressed = new Uint8Array(compressed);
        }
        var decompressor = new SnappyDecompressor(compressed);
        var length = decompressor.readUncompressedLength();
        if (length === -1) {
          throw new Error("Invalid Snappy bitstream");
        }
        if (length > maxLength) {
          throw new Error(`The uncompressed length of ${length} is too big, expect at most ${maxLength}`);
        }
        var uncompressed, uncompressedView;
        if (uint8Mode) {
          uncompressed = new Uint8Array(length);
          if (!decompressor.uncompressToBuffer(uncompressed)) {
            throw new Error("Invalid Snappy bitstream");
          }
        } else if (arrayBufferMode) {
          uncompressed = new ArrayBuffer(length);
          uncompressedView = new Uint8Array(uncompressed);
          if (!decompressor.uncompressToBuffer(uncompressedView)) {
            throw new Error("Invalid Snappy bitstream");
          }
        } else {
          uncompressed = Buffer.alloc(length);
          if (!decompressor.uncompressToBuffer(uncompressed)) {
            throw new Error("Invalid Snappy bitstream");
          }
        }
        return uncompressed;
      }
      function compress2(uncompressed) {
        if (!isUint8Array(uncompressed) && !isArrayBuffer(uncompressed) && !isBuffer(uncompressed)) {
          throw new TypeError(TYPE_ERROR_MSG);
        }
        var uint8Mode = false;
        var arrayBufferMode = false;
        if (isUint8Array(uncompressed)) {
          uint8Mode = true;
        } else if (isArrayBuffer(uncompressed)) {
          arrayBufferMode = true;
          uncompressed = new Uint8Array(uncompressed);
        }
        var compressor = new SnappyCompressor(uncompressed);
        var maxLength = compressor.maxCompressedLength();
        var compressed, compressedView;
        var length;
        if (uint8Mode) {
          compressed = new Uint8Array(maxLength);
          length = compressor.compressToBuffer(compressed);
        } else if (arrayBufferMode) {
          compressed = new ArrayBuffer(maxLength);
          compressedView = new Uint8Array(compressed);
          length = compressor.compressToBuffer(compressedView);
        } else {
          compressed = Buffer.alloc(maxLength);
          length = compressor.compressToBuffer(compressed);
        }
        if (!compressed.slice) {
          var compressedArray = new Uint8Array(Array.prototype.slice.call(compressed, 0, length));
          if (uint8Mode) {
            return compressedArray;
          } else if (arrayBufferMode) {
            return compressedArray.buffer;
          } else {
            throw new Error("Not implemented");
          }
        }
        return compressed.slice(0, length);
      }
      exports.uncompress = uncompress2;
      exports.compress = compress2;
    }
  });

  // ../chat/static/chat/src/index.js
  var index_exports = {};
  __export(index_exports, {
    CsbotClient: () => CsbotClient2,
    VERSION: () => VERSION,
    adapters: () => adapters,
    getProtoCodec: () => getProtoCodec,
    internals: () => internals
  });

  // ../chat/static/chat/src/emitter.js
  var Emitter = class {
    constructor() {
      this._handlers = /* @__PURE__ */ Object.create(null);
    }
    /** Register a handler; returns a function that removes it. */
    on(event, handler) {
      (this._handlers[event] || (this._handlers[event] = [])).push(handler);
      return () => this.off(event, handler);
    }
    /** Register a handler that runs at most once. */
    once(event, handler) {
      const off = this.on(event, (...args) => {
        off();
        handler(...args);
      });
      return off;
    }
    off(event, handler) {
      const list = this._handlers[event];
      if (!list) return;
      const i = list.indexOf(handler);
      if (i >= 0) list.splice(i, 1);
    }
    emit(event, ...args) {
      const list = this._handlers[event];
      if (!list) return;
      for (const handler of list.slice()) {
        try {
          handler(...args);
        } catch (err) {
          if (event !== "error") this.emit("error", { code: "handler_failed", message: String(err && err.message || err), cause: err });
        }
      }
    }
  };

  // ../chat/static/chat/src/backoff.js
  var Backoff = class {
    constructor({ baseMs = 1e3, capMs = 3e4, random = Math.random } = {}) {
      this.baseMs = baseMs;
      this.capMs = capMs;
      this.random = random;
      this.attempt = 0;
    }
    /** The ceiling for the next wait, before jitter. */
    ceiling() {
      const exp = Math.min(this.attempt, 30);
      return Math.min(this.capMs, this.baseMs * Math.pow(2, exp));
    }
    /** Return the next delay in milliseconds and advance the attempt counter. */
    next() {
      const delay = Math.floor(this.random() * this.ceiling());
      this.attempt += 1;
      return delay;
    }
    reset() {
      this.attempt = 0;
    }
  };

  // ../chat/static/chat/src/outbox.js
  var MAX_ITEMS = 200;
  var DEFAULT_MAX_BYTES = 1e3 * 1e3;
  var OutboxError = class extends Error {
    constructor(code, message) {
      super(message);
      this.code = code;
    }
  };
  function utf8Length(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 128) n += 1;
      else if (c < 2048) n += 2;
      else if (c >= 55296 && c <= 56319 && i + 1 < s.length) {
        n += 4;
        i += 1;
      } else n += 3;
    }
    return n;
  }
  var Outbox = class {
    constructor(storage, key, { maxBytes = DEFAULT_MAX_BYTES } = {}) {
      this.storage = storage;
      this.key = key;
      this.maxBytes = maxBytes;
      this.items = this._load();
    }
    _load() {
      try {
        const raw = this.storage.get(this.key);
        const list = typeof raw === "string" ? JSON.parse(raw) : raw;
        return Array.isArray(list) ? list.filter((m) => m && m.client_msg_id && typeof m.text === "string") : [];
      } catch (err) {
        return [];
      }
    }
    /** Write `list`; throws OutboxError('storage_full') when storage refuses it. */
    _write(list) {
      const text = JSON.stringify(list);
      if (utf8Length(text) > this.maxBytes) throw new OutboxError("storage_full", "the outbox is at the storage limit");
      try {
        this.storage.set(this.key, text);
      } catch (err) {
        throw new OutboxError("storage_full", "storage refused the outbox");
      }
    }
    /** Append a message; the caller has already validated the text. */
    add(item) {
      if (this.items.length >= MAX_ITEMS) throw new OutboxError("outbox_full", "too many unsent messages");
      const next = this.items.concat([item]);
      this._write(next);
      this.items = next;
      return item;
    }
    /** Remove an entry by client_msg_id; returns it, or null when unknown. */
    remove(clientMsgId) {
      const i = this.items.findIndex((m) => m.client_msg_id === clientMsgId);
      if (i < 0) return null;
      const next = this.items.slice();
      const [item] = next.splice(i, 1);
      this.items = next;
      try {
        this._write(next);
      } catch (err) {
      }
      return item;
    }
    get(clientMsgId) {
      return this.items.find((m) => m.client_msg_id === clientMsgId) || null;
    }
    /** Entries oldest first, which is the order they must be sent in. */
    list() {
      return this.items.slice();
    }
    get size() {
      return this.items.length;
    }
  };

  // ../chat/static/chat/src/text.js
  var MAX_TEXT_CHARS = 4e3;
  var TEXT_MESSAGES = {
    text_length: "text must be 1-4000 characters",
    bad_text: "text is not valid Unicode (a lone surrogate, such as half an emoji)"
  };
  function hasLoneSurrogate(s) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 55296 && c <= 56319) {
        const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (next >= 56320 && next <= 57343) i += 1;
        else return true;
      } else if (c >= 56320 && c <= 57343) {
        return true;
      }
    }
    return false;
  }
  function charCount(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 55296 && c <= 56319 && i + 1 < s.length) {
        const next = s.charCodeAt(i + 1);
        if (next >= 56320 && next <= 57343) i += 1;
      }
      n += 1;
    }
    return n;
  }
  function textProblem(text) {
    if (typeof text !== "string") return "bad_text";
    const n = charCount(text);
    if (n < 1 || n > MAX_TEXT_CHARS) return "text_length";
    if (hasLoneSurrogate(text)) return "bad_text";
    return null;
  }

  // ../chat/static/chat/src/sequencer.js
  var MAX_HELD = 500;
  var Sequencer = class {
    constructor() {
      this.convs = /* @__PURE__ */ new Map();
    }
    _conv(id) {
      let c = this.convs.get(id);
      if (!c) {
        c = { last: null, held: /* @__PURE__ */ new Map() };
        this.convs.set(id, c);
      }
      return c;
    }
    /** Declare what has been seen of a conversation (0 for a brand-new one). */
    setBaseline(conversationId, lastSeq) {
      const c = this._conv(conversationId);
      if (c.last === null || lastSeq > c.last) c.last = lastSeq;
    }
    /** Last seq delivered for a conversation, or null when nothing is known. */
    lastSeq(conversationId) {
      const c = this.convs.get(conversationId);
      return c ? c.last : null;
    }
    /**
     * Offer one message. Returns { deliver: [...in order], gap } where gap is
     * null or { conversation_id, after, before }: seqs after < s < before are missing.
     */
    accept(msg) {
      const seq = Number(msg.seq);
      if (!msg.conversation_id || !Number.isFinite(seq)) return { deliver: [msg], gap: null };
      const c = this._conv(msg.conversation_id);
      if (c.last === null) c.last = seq - 1;
      if (seq <= c.last || c.held.has(seq)) return { deliver: [], gap: null };
      if (seq > c.last + 1) {
        if (c.held.size < MAX_HELD) c.held.set(seq, msg);
        return { deliver: [], gap: this.gap(msg.conversation_id) };
      }
      c.last = seq;
      const deliver = [msg].concat(this._drain(c));
      return { deliver, gap: this.gap(msg.conversation_id) };
    }
    _drain(c) {
      const out = [];
      while (c.held.has(c.last + 1)) {
        c.last += 1;
        out.push(c.held.get(c.last));
        c.held.delete(c.last);
      }
      return out;
    }
    /** The first hole in a conversation, or null. */
    gap(conversationId) {
      const c = this.convs.get(conversationId);
      if (!c || c.held.size === 0) return null;
      const before = Math.min(...c.held.keys());
      return { conversation_id: conversationId, after: c.last, before };
    }
    /**
     * Give up on a hole (the server could not fill it): deliver everything held,
     * in order, accepting the missing seqs as lost to this client.
     */
    release(conversationId) {
      const c = this.convs.get(conversationId);
      if (!c || c.held.size === 0) return [];
      const seqs = Array.from(c.held.keys()).sort((a, b) => a - b);
      const out = seqs.map((s) => c.held.get(s));
      c.last = seqs[seqs.length - 1];
      c.held.clear();
      return out;
    }
  };

  // ../chat/static/chat/src/streams.js
  var FINISHED_MEMORY = 100;
  var StreamAssembler = class {
    constructor() {
      this.streams = /* @__PURE__ */ new Map();
      this.finished = [];
    }
    /**
     * Add one `stream` frame. Returns the current preview
     * {stream_id, conversation_id, text} or null when the frame is stale.
     */
    add(frame) {
      const id = frame.stream_id;
      if (!id || this.finished.includes(id)) return null;
      let s = this.streams.get(id);
      if (!s) {
        s = { stream_id: id, conversation_id: frame.conversation_id, parts: [], text: "" };
        this.streams.set(id, s);
      }
      const index = Number(frame.index) || 0;
      if (s.parts[index] !== void 0) return null;
      s.parts[index] = String(frame.delta || "");
      let text = "";
      for (let i = 0; i < s.parts.length && s.parts[i] !== void 0; i++) text += s.parts[i];
      s.text = text;
      return { stream_id: id, conversation_id: s.conversation_id, text, index, delta: s.parts[index] };
    }
    /** Mark a stream as finished by its final message; later deltas are ignored. */
    finish(streamId) {
      if (!streamId) return false;
      const had = this.streams.delete(streamId);
      this.finished.push(streamId);
      if (this.finished.length > FINISHED_MEMORY) this.finished.shift();
      return had;
    }
    /** Previews still open, e.g. to drop them when the socket is lost. */
    open() {
      return Array.from(this.streams.values()).map((s) => ({ stream_id: s.stream_id, conversation_id: s.conversation_id, text: s.text }));
    }
    clear() {
      this.streams.clear();
    }
  };

  // ../chat/static/chat/src/ids.js
  var ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
  function randomChars(n, random) {
    let out = "";
    for (let i = 0; i < n; i++) out += ALPHABET[Math.floor(random() * ALPHABET.length)];
    return out;
  }
  function newId(prefix = "", random = Math.random) {
    return prefix + Date.now().toString(36) + "-" + randomChars(12, random);
  }

  // ../chat/static/chat/src/auth.js
  var MAX_EXPIRY_MARGIN_MS = 60 * 1e3;
  var AuthError = class extends Error {
    constructor(code, status, message) {
      super(message || code);
      this.code = code;
      this.status = status;
    }
  };
  var Auth = class {
    constructor({ adapter, storage, baseUrl, keyPrefix, mode, openid, platform, random }) {
      this.adapter = adapter;
      this.storage = storage;
      this.baseUrl = baseUrl;
      this.key = keyPrefix + "token";
      this.deviceKey = keyPrefix + "device_id";
      this.openidKey = keyPrefix + "dev_openid";
      this.mode = mode;
      this.openid = openid;
      this.platform = platform;
      this.random = random;
      this._pending = null;
    }
    /** The per-install id; created once and kept in storage. */
    deviceId() {
      let id = this.storage.get(this.deviceKey);
      if (!id) {
        id = newId("dev-", this.random);
        this.storage.set(this.deviceKey, id);
      }
      return id;
    }
    _stored() {
      try {
        const raw = this.storage.get(this.key);
        const t = typeof raw === "string" ? JSON.parse(raw) : raw;
        return t && t.token ? t : null;
      } catch (err) {
        return null;
      }
    }
    /** A stored token still good for a while, or null. */
    current() {
      const t = this._stored();
      if (!t) return null;
      if (t.refresh_at && Date.now() > t.refresh_at) return null;
      return t.token;
    }
    customerId() {
      const t = this._stored();
      return t ? t.customer_id || null : null;
    }
    forget() {
      this.storage.remove(this.key);
    }
    /** Return a usable token, logging in when none is stored. */
    async token() {
      return this.current() || this.login();
    }
    /** Log in anew; concurrent callers share one request. */
    login() {
      if (!this._pending) {
        this._pending = this._login().finally(() => {
          this._pending = null;
        });
      }
      return this._pending;
    }
    async _login() {
      const device_id = this.deviceId();
      let path;
      let body;
      if (this.mode === "wx") {
        const code = await this.adapter.loginCode();
        path = "/api/auth/wx-login";
        body = { code, device_id, platform: this.platform };
      } else if (this.mode === "dev") {
        path = "/api/auth/dev-login";
        body = { openid: this._devOpenid(), device_id, platform: this.platform };
      } else {
        throw new AuthError("no_login_mode", 0, "no way to log in");
      }
      let res;
      try {
        res = await this.adapter.request({ method: "POST", url: this.baseUrl + path, body, timeoutMs: 15e3 });
      } catch (err) {
        throw new AuthError("network", 0, err.message);
      }
      if (res.status !== 200 || !res.data || !res.data.token) {
        const code = res.data && res.data.error || "login_failed";
        throw new AuthError(code, res.status);
      }
      const expiresIn = Number(res.data.expires_in) || 0;
      const record = {
        token: res.data.token,
        customer_id: res.data.customer_id,
        refresh_at: expiresIn ? Date.now() + expiresIn * 1e3 - Math.min(MAX_EXPIRY_MARGIN_MS, expiresIn * 100) : 0
      };
      this.storage.set(this.key, JSON.stringify(record));
      return record.token;
    }
    _devOpenid() {
      if (this.openid) return this.openid;
      let id = this.storage.get(this.openidKey);
      if (!id) {
        id = newId("web-", this.random);
        this.storage.set(this.openidKey, id);
      }
      return id;
    }
  };

  // ../chat/static/chat/src/longpoll.js
  var MAX_AUTH_RETRIES = 2;
  var LongPoll = class {
    constructor(client, { afterFailures = 3, timeoutS = 25 } = {}) {
      this.client = client;
      this.afterFailures = afterFailures;
      this.timeoutS = Math.min(30, timeoutS);
      this.running = false;
      this.generation = 0;
      this.backoff = new Backoff({ baseMs: 1e3, capMs: 3e4, random: client.random });
      this._flushing = null;
    }
    shouldStart(failures) {
      return !this.running && failures >= this.afterFailures;
    }
    start() {
      if (this.running) return;
      this.running = true;
      const gen = ++this.generation;
      this._loop(gen);
    }
    stop() {
      this.running = false;
      this.generation += 1;
    }
    _alive(gen) {
      return this.running && gen === this.generation && this.client.state !== "stopped";
    }
    async _request(method, path, body, timeoutMs) {
      const c = this.client;
      for (let attempt = 0; attempt <= MAX_AUTH_RETRIES; attempt++) {
        const token = await c.auth.token();
        const res = await c.adapter.request({
          method,
          url: c.baseUrl + path,
          body,
          timeoutMs,
          headers: { Authorization: "Bearer " + token }
        });
        if (res.status !== 401) return res;
        c.auth.forget();
      }
      throw new Error("unauthorized");
    }
    /** Send the outbox over HTTP, in order; stops at the first failure. */
    flush() {
      if (!this._flushing) {
        this._flushing = this._flush().finally(() => {
          this._flushing = null;
        });
      }
      return this._flushing;
    }
    async _flush() {
      const c = this.client;
      for (const item of c.outbox.list()) {
        if (!this.running || c._canSend()) return;
        const body = { client_msg_id: item.client_msg_id, text: item.text };
        if (item.media_id) body.media_id = item.media_id;
        const res = await this._request("POST", "/api/chat/messages", body, 15e3);
        if (res.status === 200 && res.data && res.data.client_msg_id) {
          c._onAck(res.data);
        } else if (res.status >= 400 && res.status < 500 && res.status !== 429) {
          c._reject(item.client_msg_id, res.data && res.data.error || "rejected");
        } else {
          throw new Error("send failed: " + res.status);
        }
      }
    }
    async _loop(gen) {
      const c = this.client;
      c._setTransport("poll");
      while (this._alive(gen)) {
        try {
          await this.flush();
          const conv = c.conversation;
          const after = conv && c.sequencer.lastSeq(conv.id) || 0;
          const res = await this._request("GET", "/api/chat/poll?after_seq=" + after + "&timeout=" + this.timeoutS, void 0, (this.timeoutS + 10) * 1e3);
          if (!this._alive(gen)) return;
          if (res.status !== 200 || !res.data) throw new Error("poll failed: " + res.status);
          this.backoff.reset();
          const status = res.data.status;
          if (status && status.conversation_id) c._onStatus(Object.assign({ type: "status" }, status));
          for (const m of res.data.messages || []) c._onMessage(m);
        } catch (err) {
          if (!this._alive(gen)) return;
          c.emit("poll_error", { message: err.message });
          await new Promise((r) => setTimeout(r, this.backoff.next()));
        }
      }
    }
  };

  // ../chat/static/chat/src/utf8.js
  var import_minimal = __toESM(require_minimal2());
  var utf8 = import_minimal.default.util.utf8;
  function encodeUtf8(str) {
    const out = new Uint8Array(utf8.length(str));
    utf8.write(str, out, 0);
    return out;
  }
  function decodeUtf8(bytes) {
    return utf8.read(bytes, 0, bytes.length);
  }

  // ../chat/static/chat/src/json-codec.js
  var jsonCodec = {
    name: "json",
    subprotocol: "csbot.v1.json",
    /** Encode to the body bytes (only needed when the frame will be binary). */
    encodeBody(frame) {
      return encodeUtf8(JSON.stringify(frame));
    },
    encodeText(frame) {
      return JSON.stringify(frame);
    },
    decodeBody(bytes) {
      return JSON.parse(decodeUtf8(bytes));
    },
    decodeText(text) {
      return JSON.parse(text);
    }
  };

  // ../chat/static/chat/src/snappy-frame.js
  var import_snappyjs = __toESM(require_snappyjs());
  var FLAG_SNAPPY = 1;
  var RESERVED = 254;
  var FrameError = class extends Error {
    constructor(code, message) {
      super(message);
      this.code = code;
    }
  };
  function snappyDeclaredLength(block) {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5 && i < block.length; i++) {
      const b = block[i];
      result += (b & 127) * Math.pow(2, shift);
      if ((b & 128) === 0) return result;
      shift += 7;
    }
    throw new FrameError("bad_frame", "bad snappy length");
  }
  function openBinary(bytes, maxFrameBytes) {
    if (bytes.length < 1) throw new FrameError("bad_frame", "empty binary frame");
    const flags = bytes[0];
    if (flags & RESERVED) throw new FrameError("bad_frame", "reserved flag bit set");
    const body = bytes.subarray(1);
    if (!(flags & FLAG_SNAPPY)) return body;
    const declared = snappyDeclaredLength(body);
    if (maxFrameBytes && declared > maxFrameBytes) throw new FrameError("frame_too_big", "declared length " + declared + " over limit");
    return new Uint8Array((0, import_snappyjs.uncompress)(new Uint8Array(body), declared));
  }
  function closeBinary(body, useSnappy) {
    const payload = useSnappy ? new Uint8Array((0, import_snappyjs.compress)(new Uint8Array(body))) : body;
    const out = new Uint8Array(payload.length + 1);
    out[0] = useSnappy ? FLAG_SNAPPY : 0;
    out.set(payload, 1);
    return out;
  }

  // ../chat/static/chat/src/wire.js
  var DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
  var DEFAULT_COMPRESS_MIN_BYTES = 1024;
  function toBytes(data) {
    if (data instanceof Uint8Array) return data;
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    throw new FrameError("bad_frame", "unsupported frame data");
  }
  function toArrayBuffer(bytes) {
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }
  var Wire = class {
    constructor(codec) {
      this.codec = codec || jsonCodec;
      this.maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
      this.compressMinBytes = DEFAULT_COMPRESS_MIN_BYTES;
      this.peerSnappy = false;
    }
    /** Apply the server's welcome: limits and whether it reads Snappy. */
    configure(welcome) {
      if (welcome.max_frame_bytes) this.maxFrameBytes = Number(welcome.max_frame_bytes);
      if (welcome.compress_min_bytes) this.compressMinBytes = Number(welcome.compress_min_bytes);
      this.peerSnappy = Array.isArray(welcome.compress) && welcome.compress.includes("snappy");
    }
    /** Frame -> string or ArrayBuffer, ready for socket.send. */
    encode(frame) {
      const binaryMode = this.codec.name !== "json";
      const body = this.codec.encodeBody(frame);
      const snappy = this.peerSnappy && body.length >= this.compressMinBytes;
      if (!binaryMode && !snappy) {
        if (body.length > this.maxFrameBytes) throw new FrameError("frame_too_big", "frame over max_frame_bytes");
        return this.codec.encodeText(frame);
      }
      const out = closeBinary(body, snappy);
      if (out.length > this.maxFrameBytes) throw new FrameError("frame_too_big", "frame over max_frame_bytes");
      return toArrayBuffer(out);
    }
    /** socket data (string or binary) -> frame object. */
    decode(data) {
      if (typeof data === "string") return jsonCodec.decodeText(data);
      const body = openBinary(toBytes(data), this.maxFrameBytes);
      return this.codec.decodeBody(body);
    }
  };

  // ../chat/static/chat/src/close-codes.js
  var CLOSE_POLICY = {
    1e3: { action: "reconnect", count: true },
    // platform or server closed it unasked: resume with backoff
    1001: { action: "reconnect", now: true, count: false },
    // server restarting: resume at once
    1009: { action: "drop_frame", count: true },
    // do not resend the frame that was too big
    1011: { action: "reconnect", count: true },
    1013: { action: "reconnect", count: true },
    // try again later, any instance: backoff
    4400: { action: "report", code: "protocol_error", count: true },
    4401: { action: "relogin" },
    4403: { action: "stop", reason: "forbidden", code: "forbidden" },
    4408: { action: "reconnect", now: true, count: false },
    // heartbeat timeout: resume at once
    4409: { action: "kick" },
    4410: { action: "replaced" },
    // a newer socket of this device carries on
    4413: { action: "reconnect", count: true },
    // too slow to read: resume with backoff
    4429: { action: "reconnect", count: true, minDelayMs: 5e3 }
    // rate limited: never sooner than 5 s
  };
  var DEFAULT_POLICY = { action: "reconnect", count: true };
  var MAX_QUICK_RELOGINS = 2;
  function policyFor(code) {
    return CLOSE_POLICY[code] || DEFAULT_POLICY;
  }
  function handleClose(client, code) {
    const p = client._kickReason ? CLOSE_POLICY[4409] : policyFor(code);
    switch (p.action) {
      case "stop":
        if (p.code) client.emit("error", { code: p.code, close_code: code });
        client._stop(p.reason, 1e3);
        return;
      case "kick": {
        const reason = client._kickReason || "signed_in_elsewhere";
        client.kicked = { reason };
        client.emit("kick", { reason });
        client._stop("kicked", 1e3);
        return;
      }
      case "replaced":
        if (client._recentlyAbandonedHello()) client._retry({ countFailure: true });
        else client._stop("replaced", 1e3);
        return;
      case "drop_frame": {
        const offending = client._lastUnacked();
        if (offending) client._reject(offending, "frame_too_big");
        else client.emit("error", { code: "frame_too_big", close_code: code });
        client._retry({ countFailure: true });
        return;
      }
      case "report":
        client.emit("error", { code: p.code, close_code: code });
        client._retry({ countFailure: true });
        return;
      case "relogin":
        client.auth.forget();
        client._authRetries += 1;
        client.emit("relogin", { attempt: client._authRetries });
        if (client._authRetries <= MAX_QUICK_RELOGINS) client._retry({ countFailure: false, now: true });
        else client._retry({ countFailure: true });
        return;
      default:
        client._retry({ countFailure: p.count, now: p.now, minDelayMs: p.minDelayMs });
    }
  }

  // ../chat/static/chat/src/connection.js
  var OPEN_TIMEOUT_MS = 15e3;
  var SYNC_TIMEOUT_MS = 2e4;
  var ABANDONED_HELLO_MS = 6e4;
  var connectionMethods = {
    _watchLifecycle() {
      if (this._lifecycle.length) return;
      const foreground = () => {
        this._hidden = false;
        this._wake();
      };
      const background = () => {
        this._hidden = true;
      };
      const online = () => this._wake();
      this._lifecycle.push(
        this.adapter.onForeground(foreground),
        this.adapter.onBackground ? this.adapter.onBackground(background) : null,
        this.adapter.onOnline(online)
      );
    },
    /** True while an attempt is logging in or its socket has not synced yet. */
    _attemptInFlight() {
      return this._connecting || Boolean(this._sock && !this._sock.synced);
    },
    /** Back in the foreground or online again: retry at once, or check liveness. */
    _wake() {
      if (this.state === "stopped" || this.state === "idle") return;
      if (this._hidden && this.adapter.suspendsInBackground) return;
      if (this.state === "open") {
        this._probe();
        return;
      }
      if (this._attemptInFlight()) return;
      this.failures = 0;
      this.backoff.reset();
      this._clear("reconnect");
      this._connect();
    },
    // ----------------------------------------------------------- connecting
    _resumePoint() {
      const c = this.conversation;
      if (!c) return null;
      const last = this.sequencer.lastSeq(c.id);
      return last === null ? null : { conversation_id: c.id, last_seq: last };
    },
    async _connect() {
      this._clear("reconnect");
      this._dropSocket(1e3);
      this._setState(this.state === "idle" || this.state === "stopped" ? "connecting" : "reconnecting");
      const id = ++this._sockId;
      let token;
      this._connecting = true;
      try {
        token = await this.auth.token();
      } catch (err) {
        if (id !== this._sockId) return;
        this._connecting = false;
        this.emit("error", { code: err instanceof AuthError ? err.code : "login_failed", message: err.message, status: err.status });
        this._retry({ countFailure: true });
        return;
      }
      if (id !== this._sockId || this.state === "stopped") return;
      this._connecting = false;
      const url = this.adapter.tokenInQuery ? this.wsUrl + (this.wsUrl.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : this.wsUrl;
      const headers = this.adapter.tokenInQuery ? {} : { Authorization: "Bearer " + token };
      const guard = (fn) => (...args) => {
        if (id === this._sockId) fn(...args);
      };
      this._kickReason = null;
      this._sock = {
        id,
        wire: null,
        synced: false,
        lastRx: Date.now(),
        raw: this.adapter.connect({ url, protocols: this.protocols, headers }, {
          onopen: guard((protocol) => this._onOpen(protocol)),
          onmessage: guard((data) => this._onData(data)),
          onerror: guard((err) => this.emit("socket_error", err)),
          onclose: guard((ev) => this._onClose(ev))
        })
      };
      this._timer("open", OPEN_TIMEOUT_MS, () => this._abandon("open_timeout"));
    },
    /** Drop the socket without waiting for its close event (which may never come). */
    _dropSocket(code) {
      const s = this._sock;
      this._sock = null;
      this._sockId += 1;
      this._connecting = false;
      if (s && s.helloSent) this._abandonedHelloAt = Date.now();
      this._clear("open");
      this._clear("sync");
      this._clear("heartbeat");
      this._clear("probe");
      this._clear("gap");
      this._sentUnacked = [];
      this._failPending("disconnected");
      if (s && s.raw) s.raw.close(code || 1e3);
    },
    /** Give up on a socket that stopped answering and retry with backoff. */
    _abandon(reason) {
      this.emit("socket_error", { reason });
      this._dropSocket(4e3);
      this._retry({ countFailure: true });
    },
    _onOpen(protocol) {
      this._clear("open");
      const codec = protocol === "csbot.v1.proto" && this.proto ? this.proto : jsonCodec;
      this._sock.wire = new Wire(codec);
      this._sock.protocol = codec.subprotocol;
      const hello = {
        type: "hello",
        device_id: this.auth.deviceId(),
        platform: this.platform,
        compress: this.compress ? ["snappy"] : []
      };
      if (this.options.appVersion) hello.app_version = this.options.appVersion;
      const resume = this._resumePoint();
      if (resume) hello.resume = resume;
      this._sendFrame(hello);
      this._sock.helloSent = true;
      this._timer("sync", SYNC_TIMEOUT_MS, () => this._abandon("sync_timeout"));
    },
    _onData(data) {
      const s = this._sock;
      if (!s || !s.wire) return;
      s.lastRx = Date.now();
      let frame;
      try {
        frame = s.wire.decode(data);
      } catch (err) {
        this.emit("error", { code: err.code || "bad_frame", message: err.message });
        return;
      }
      this._dispatch(frame);
    },
    _onClose(ev) {
      const code = ev && ev.code;
      this._closedUnacked = this._sentUnacked.slice();
      this._sock = null;
      this._dropSocket();
      this.emit("disconnect", { code, reason: ev && ev.reason });
      handleClose(this, code);
    },
    /**
     * Schedule the next connection attempt. `now` retries without waiting
     * (1001, 4408, a fresh login); otherwise wait by backoff.
     */
    _retry({ countFailure, now, minDelayMs }) {
      if (this.state === "stopped") return;
      if (this._hidden && this.adapter.suspendsInBackground) {
        this._setState("reconnecting", { waiting: "foreground" });
        return;
      }
      if (countFailure) this.failures += 1;
      if (this.poll && this.poll.shouldStart(this.failures)) this.poll.start();
      if (this.failures >= this.maxFailures) {
        this._setState("offline", { failures: this.failures });
        this.emit("gaveup", { failures: this.failures });
        return;
      }
      this._setState("reconnecting", { failures: this.failures });
      const delay = now ? 0 : Math.max(minDelayMs || 0, this.backoff.next());
      this._timer("reconnect", delay, () => this._connect());
    },
    /** Whether a socket given up on after its hello could be the newer one behind a 4410. */
    _recentlyAbandonedHello() {
      return this._abandonedHelloAt > 0 && Date.now() - this._abandonedHelloAt < ABANDONED_HELLO_MS;
    },
    // -------------------------------------------------------------- sending
    _sendFrame(frame) {
      const s = this._sock;
      if (!s || !s.wire) return false;
      const data = s.wire.encode(frame);
      s.raw.send(data);
      return true;
    },
    _canSend() {
      return Boolean(this._sock && this._sock.synced);
    },
    // ------------------------------------------------------------ heartbeat
    _startHeartbeat(seconds) {
      const ms = Math.max(1, Number(seconds) || 10) * 1e3;
      const beat = () => {
        const s = this._sock;
        if (!s) return;
        if (Date.now() - s.lastRx > ms * 2.5) {
          this._abandon("heartbeat_lost");
          return;
        }
        this._sendFrame({ type: "ping", ts: Date.now() });
        this._timer("heartbeat", ms, beat);
      };
      this._heartbeatMs = ms;
      this._timer("heartbeat", ms, beat);
    },
    _probe() {
      const s = this._sock;
      if (!s || !s.synced) return;
      const sentAt = Date.now();
      this._sendFrame({ type: "ping", ts: sentAt });
      this._timer("probe", 3e3, () => {
        if (this._sock === s && s.lastRx < sentAt) this._abandon("probe_lost");
      });
    }
  };

  // ../chat/static/chat/src/receiving.js
  var GAP_WAIT_MS = 1500;
  var receivingMethods = {
    _dispatch(frame) {
      const handler = HANDLERS[frame.type];
      if (handler) handler(this, frame);
      else this.emit("frame", frame);
    },
    _onWelcome(f) {
      this._sock.wire.configure(f);
      this._welcome = f;
      this._setConversation(f.conversation, false);
      this._startHeartbeat(f.heartbeat_s);
      this.emit("welcome", f);
    },
    _onSynced(f) {
      const s = this._sock;
      this._clear("sync");
      s.synced = true;
      this.failures = 0;
      this._authRetries = 0;
      this.backoff.reset();
      if (this.poll) this.poll.stop();
      this._setTransport("socket");
      this._setState("open", { protocol: s.protocol, recovered: Boolean(this._welcome && this._welcome.recovered) });
      this.emit("synced", f);
      this._flushOutbox();
      for (const frame of this._controls.splice(0)) this._sendFrame(frame);
      this._checkTail(Number(f.last_seq) || 0);
    },
    // After a resume into a conversation that changed, messages of the current
    // one may be missing entirely: fetch what is past what is held.
    _checkTail(lastSeq) {
      const c = this.conversation;
      if (!c || !lastSeq) return;
      const have = this.sequencer.lastSeq(c.id);
      if (have !== null && have >= lastSeq) return;
      const after = have === null ? Math.max(0, lastSeq - 50) : have;
      this.sequencer.setBaseline(c.id, after);
      this._fillGap({ conversation_id: c.id, after, before: lastSeq + 1 });
    },
    _setConversation(conv, announce) {
      if (!conv || !conv.id) return;
      const changed = !this.conversation || this.conversation.id !== conv.id;
      this.conversation = Object.assign({}, changed ? {} : this.conversation, conv);
      if (changed) this.emit("conversation", this.conversation);
      if (announce) this.emit("status", this.conversation);
    },
    _onStatus(f) {
      const isNew = this.conversation && this.conversation.id !== f.conversation_id;
      if (isNew && this.sequencer.lastSeq(f.conversation_id) === null) this.sequencer.setBaseline(f.conversation_id, 0);
      const conv = { id: f.conversation_id, status: f.status, queue_position: f.queue_position, agent_name: f.agent_name };
      if (f.queue_position === void 0) delete conv.queue_position;
      if (f.agent_name === void 0) delete conv.agent_name;
      if (isNew) {
        this.conversation = null;
      }
      this._setConversation(conv, false);
      this.emit("status", Object.assign({}, f));
    },
    _onMessage(m) {
      if (m.media) m = Object.assign({}, m, { media: this.absoluteMedia(m.media) });
      if (m.stream_id) this.streams.finish(m.stream_id);
      if (m.client_msg_id && this.outbox.get(m.client_msg_id)) {
        this.outbox.remove(m.client_msg_id);
        this._forgetSent(m.client_msg_id);
      }
      this._offer(m);
    },
    _onAck(a) {
      const item = this.outbox.remove(a.client_msg_id);
      this._forgetSent(a.client_msg_id);
      this.emit("ack", a, item);
      if (item && a.seq !== void 0) {
        const own = {
          msg_id: a.msg_id,
          conversation_id: a.conversation_id,
          seq: a.seq,
          sender: "customer",
          text: item.text,
          ts: a.ts,
          client_msg_id: a.client_msg_id
        };
        if (item.media) own.media = item.media;
        this._offer(own);
      }
    },
    _onError(f) {
      this.emit("error", Object.assign({}, f));
      if (f.client_msg_id && this.outbox.get(f.client_msg_id) && !/rate|busy|retry|unavailable|closed/.test(f.code || "")) {
        const item = this.outbox.remove(f.client_msg_id);
        this._forgetSent(f.client_msg_id);
        this.emit("rejected", { code: f.code, client_msg_id: f.client_msg_id, item });
      }
    },
    // ------------------------------------------------------------- delivery
    /** The first message sent on this socket that got no ack: the server handles frames in order. */
    _lastUnacked() {
      const list = this._closedUnacked || [];
      return list.find((id) => this.outbox.get(id)) || null;
    },
    _forgetSent(clientMsgId) {
      const i = this._sentUnacked.indexOf(clientMsgId);
      if (i >= 0) this._sentUnacked.splice(i, 1);
    },
    /** Run a message through dedup/ordering and deliver what is ready. */
    _offer(m) {
      const { deliver, gap } = this.sequencer.accept(m);
      for (const msg of deliver) this.emit("message", msg);
      if (gap) this._timer("gap", GAP_WAIT_MS, () => this._fillGap(this.sequencer.gap(gap.conversation_id)));
      else if (deliver.length) this._clear("gap");
    }
  };
  var HANDLERS = {
    welcome: (c, f) => c._onWelcome(f),
    synced: (c, f) => c._onSynced(f),
    message: (c, f) => c._onMessage(f),
    ack: (c, f) => c._onAck(f),
    stream: (c, f) => {
      const preview = c.streams.add(f);
      if (preview) c.emit("stream", preview);
    },
    status: (c, f) => c._onStatus(f),
    rated: (c, f) => {
      const p = c._pendingRates.shift();
      if (p) p.resolve(f);
      c.emit("rated", f);
    },
    typing: (c, f) => c.emit("typing", f),
    receipt: (c, f) => c.emit("receipt", f),
    history: (c, f) => c._onHistory(f),
    kick: (c, f) => {
      c._kickReason = f.reason || "signed_in_elsewhere";
    },
    error: (c, f) => c._onError(f),
    pong: (c, f) => c.emit("pong", f)
  };

  // ../chat/static/chat/src/history.js
  var REQUEST_TIMEOUT_MS = 15e3;
  var historyMethods = {
    _requestHistory(purpose, beforeSeq, limit, extra) {
      if (!this._canSend()) return Promise.reject(new Error("not_connected"));
      return new Promise((resolve, reject) => {
        const entry = Object.assign({ purpose, resolve, reject }, extra || {});
        this._history.push(entry);
        entry.timer = setTimeout(() => {
          const i = this._history.indexOf(entry);
          if (i >= 0) this._history.splice(i, 1);
          reject(new Error("timeout"));
        }, REQUEST_TIMEOUT_MS);
        this._sendFrame({ type: "history", before_seq: beforeSeq, limit });
      });
    },
    /** Ask the server for the messages in a hole; give up on what it cannot fill. */
    _fillGap(gap) {
      if (!gap || !this._canSend()) return;
      if (this.conversation && gap.conversation_id !== this.conversation.id) {
        for (const msg of this.sequencer.release(gap.conversation_id)) this.emit("message", msg);
        return;
      }
      const missing = gap.before - gap.after - 1;
      this._requestHistory("gap", gap.before, Math.min(100, Math.max(1, missing)), { gap }).catch(() => {
      });
    },
    _onHistory(f) {
      const entry = this._history.shift();
      const messages = (Array.isArray(f.messages) ? f.messages : []).map((m) => m && m.media ? Object.assign({}, m, { media: this.absoluteMedia(m.media) }) : m);
      if (!entry) return;
      clearTimeout(entry.timer);
      if (entry.purpose === "gap") {
        for (const m of messages) this._offer(m);
        for (const m of this.sequencer.release(entry.gap.conversation_id)) this.emit("message", m);
        this._clear("gap");
        entry.resolve(messages);
        return;
      }
      this.emit("history", messages);
      entry.resolve(messages);
    }
  };

  // ../chat/static/chat/src/pictures.js
  var UPLOAD_TIMEOUT_MS = 6e4;
  async function sendImage(client, file, text) {
    const words = typeof text === "string" ? text : "";
    if (words && textProblem(words)) return client._refuse(textProblem(words), TEXT_MESSAGES[textProblem(words)]);
    const limit = client._welcome && client._welcome.max_media_bytes;
    if (limit && file && typeof file.size === "number" && file.size > limit) {
      return client._refuse("too_large", "the picture is larger than " + limit + " bytes");
    }
    let uploaded;
    try {
      uploaded = await client.uploadImage(file);
    } catch (err) {
      return client._refuse(err.code || "upload_failed", err.message);
    }
    return client._queue({
      client_msg_id: newId("m-", client.random),
      text: words,
      media_id: uploaded.media_id,
      created_at: Date.now(),
      media: client.absoluteMedia(uploaded)
    });
  }
  async function uploadImage(client, file) {
    if (typeof client.adapter.upload !== "function") throw Object.assign(new Error("this platform cannot upload"), { code: "upload_failed" });
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await client.auth.token();
      const res = await client.adapter.upload({
        url: client.baseUrl + "/api/chat/media",
        file,
        timeoutMs: UPLOAD_TIMEOUT_MS,
        headers: { Authorization: "Bearer " + token }
      });
      if (res.status === 200 && res.data && res.data.media_id) return res.data;
      if (res.status !== 401) {
        const code = res.data && res.data.error || "upload_failed";
        throw Object.assign(new Error(res.data && res.data.message || code), { code, status: res.status });
      }
      client.auth.forget();
    }
    throw Object.assign(new Error("unauthorized"), { code: "unauthorized" });
  }
  function absoluteMedia(client, media) {
    if (!media || typeof media !== "object") return media;
    const out = Object.assign({}, media);
    for (const key of ["url", "thumb_url"]) {
      if (typeof out[key] === "string" && out[key].charAt(0) === "/") out[key] = client.baseUrl + out[key];
    }
    return out;
  }

  // ../chat/static/chat/src/subscriptions.js
  var REQUEST_TIMEOUT_MS2 = 15e3;
  async function reportSubscriptions(client, templateIds) {
    const ids = Array.isArray(templateIds) ? templateIds.filter((t) => typeof t === "string" && t) : [];
    if (!ids.length) return 0;
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await client.auth.token();
      const res = await client.adapter.request({
        method: "POST",
        url: client.baseUrl + "/api/wx/subscriptions",
        body: { template_ids: ids.slice(0, 10) },
        timeoutMs: REQUEST_TIMEOUT_MS2,
        headers: { Authorization: "Bearer " + token }
      });
      if (res.status === 200 && res.data && typeof res.data.accepted === "number") return res.data.accepted;
      if (res.status !== 401) throw new Error(res.data && res.data.error || "status " + res.status);
      client.auth.forget();
    }
    throw new Error("unauthorized");
  }

  // ../chat/static/chat/src/client.js
  var TYPING_EVERY_MS = 2e3;
  var CsbotClient = class extends Emitter {
    /**
     * options: baseUrl (http(s)://host), adapter (object from an adapter
     * factory), login ('wx' | 'dev'), openid (dev login), platform,
     * appVersion, protocols, proto (a ProtoCodec or null), compress,
     * maxFailures, backoff {baseMs, capMs}, longPoll (false or
     * {afterFailures, timeoutS}), storagePrefix, random, wsUrl.
     */
    constructor(options) {
      super();
      const o = options || {};
      if (!o.baseUrl) throw new Error("baseUrl is required");
      if (!o.adapter) throw new Error("adapter is required");
      this.options = o;
      this.adapter = o.adapter;
      this.baseUrl = o.baseUrl.replace(/\/+$/, "");
      this.wsUrl = o.wsUrl || this.baseUrl.replace(/^http/, "ws") + "/ws/chat/";
      this.proto = o.proto || null;
      this.protocols = o.protocols || (this.proto ? ["csbot.v1.proto", "csbot.v1.json"] : ["csbot.v1.json"]);
      this.compress = o.compress !== false;
      this.maxFailures = o.maxFailures || 8;
      this.random = o.random || Math.random;
      this.platform = o.platform || this.adapter.platform();
      const prefix = o.storagePrefix || "csbot.";
      this.storage = this.adapter.storage;
      this.auth = new Auth({
        adapter: this.adapter,
        storage: this.storage,
        baseUrl: this.baseUrl,
        keyPrefix: prefix,
        mode: o.login || (this.adapter.name === "wx" ? "wx" : "dev"),
        openid: o.openid,
        platform: this.platform,
        random: this.random
      });
      this.outbox = new Outbox(this.storage, prefix + "outbox");
      this.sequencer = new Sequencer();
      this.streams = new StreamAssembler();
      this.backoff = new Backoff(Object.assign({ random: this.random }, o.backoff || {}));
      this.poll = o.longPoll === false ? null : new LongPoll(this, o.longPoll || {});
      this.state = "idle";
      this.transport = null;
      this.conversation = null;
      this.failures = 0;
      this._sock = null;
      this._sockId = 0;
      this._timers = {};
      this._history = [];
      this._controls = [];
      this._pendingRates = [];
      this._sentUnacked = [];
      this._lifecycle = [];
      this._lastTyping = 0;
      this._authRetries = 0;
      this.kicked = null;
      this._hidden = false;
      this._connecting = false;
      this._abandonedHelloAt = 0;
    }
    get deviceId() {
      return this.auth.deviceId();
    }
    /** Connect, logging in first when no token is stored. */
    start() {
      if (this.state !== "idle" && this.state !== "stopped" && this.state !== "offline") return;
      this.kicked = null;
      this._watchLifecycle();
      this._sweepOutbox();
      this.failures = 0;
      this.backoff.reset();
      this._connect();
    }
    /** Close for good (stopped). Unsent messages stay in the outbox. */
    close() {
      this._stop("closed_by_app", 1e3);
    }
    /**
     * Queue a text message; it is sent now or after the next sync, and stays
     * in the persisted outbox until the server acknowledges it.
     */
    send(text) {
      const problem = textProblem(text);
      if (problem) return this._refuse(problem, TEXT_MESSAGES[problem]);
      return this._queue({ client_msg_id: newId("m-", this.random), text, created_at: Date.now() });
    }
    /**
     * Upload a picture (browser: a File or Blob; mini-program: the temp path
     * wx.chooseMedia gives) and queue a message carrying it, with optional
     * words. Resolves with the queued item, or null when the server refused
     * the picture (an `error` event says why: too_large, unsupported_type,
     * rejected). Once queued it is sent, acknowledged and deduplicated like text.
     */
    sendImage(file, text) {
      return sendImage(this, file, text);
    }
    /** POST a picture to /api/chat/media; resolve with the server's answer (media_id, url, thumb_url ...). */
    uploadImage(file) {
      return uploadImage(this, file);
    }
    /** A picture's `media` with its signed URLs made absolute (the server sends paths; <image> needs full URLs). */
    absoluteMedia(media) {
      return absoluteMedia(this, media);
    }
    /** Ask for a human agent. */
    handoff(reason) {
      this._control(reason ? { type: "handoff", reason } : { type: "handoff" });
    }
    /** Rate a closed conversation 1-5; resolves with the `rated` frame. */
    rate(score, comment, conversationId) {
      const n = Number(score);
      if (!(n >= 1 && n <= 5) || Math.floor(n) !== n) return Promise.reject(new RangeError("score must be 1-5"));
      const frame = { type: "rate", score: n };
      if (comment) frame.comment = String(comment);
      if (conversationId) frame.conversation_id = conversationId;
      return new Promise((resolve, reject) => {
        this._pendingRates.push({ resolve, reject });
        this._control(frame);
      });
    }
    /** Tell the agent the customer has read up to `seq`. */
    markRead(seq) {
      if (this._canSend()) this._sendFrame({ type: "read", seq: Number(seq) });
    }
    /** Signal typing; throttled to one frame per 2 s as the server expects. */
    typing() {
      const now = Date.now();
      if (!this._canSend() || now - this._lastTyping < TYPING_EVERY_MS) return;
      this._lastTyping = now;
      this._sendFrame({ type: "typing" });
    }
    /** Load older messages of the current conversation; resolves with a list, oldest first. */
    loadHistory(beforeSeq, limit) {
      return this._requestHistory("load", Number(beforeSeq), Math.min(100, Math.max(1, Number(limit) || 50)));
    }
    /**
     * Report the one-time subscription consents the user accepted in
     * wx.requestSubscribeMessage (pass the ids whose answer was 'accept'); each
     * lets the server send one notification while the app is closed. Resolves
     * with the number the server stored.
     */
    reportSubscriptions(templateIds) {
      return reportSubscriptions(this, templateIds);
    }
    // ---------------------------------------------------------------- state
    _setState(state, detail) {
      if (this.state === state) return;
      this.state = state;
      this.emit("state", state, detail || {});
    }
    _timer(name, ms, fn) {
      this._clear(name);
      this._timers[name] = setTimeout(() => {
        delete this._timers[name];
        fn();
      }, ms);
    }
    _clear(name) {
      if (this._timers[name]) {
        clearTimeout(this._timers[name]);
        delete this._timers[name];
      }
    }
    _stop(reason, code) {
      this._dropSocket(code || 1e3);
      for (const name of Object.keys(this._timers)) this._clear(name);
      if (this.poll) this.poll.stop();
      this._setTransport(null);
      for (const off of this._lifecycle) if (typeof off === "function") off();
      this._lifecycle = [];
      this._failPending("stopped");
      this._setState("stopped", { reason });
    }
    _setTransport(t) {
      if (this.transport === t) return;
      this.transport = t;
      this.emit("transport", t);
    }
    _failPending(why) {
      for (const h of this._history.splice(0)) {
        clearTimeout(h.timer);
        h.reject(new Error(why));
      }
      if (why === "stopped") for (const r of this._pendingRates.splice(0)) r.reject(new Error(why));
    }
    // --------------------------------------------------------------- outbox
    /**
     * Put a message in the persisted outbox and send it now if the socket (or
     * the long poll) can; a full outbox refuses it. Returns the item, or null.
     */
    _queue(item) {
      try {
        this.outbox.add(item);
      } catch (err) {
        if (!err.code) throw err;
        return this._refuse(err.code, err.message);
      }
      this.emit("pending", item);
      if (this._canSend()) this._sendOutboxItem(item);
      else if (this.transport === "poll") this.poll.flush();
      return item;
    }
    /**
     * A message refused before it was queued: told to the app once, as an
     * `error` event with a code, and `send()` returns null. Nothing is stored.
     */
    _refuse(code, message) {
      this.emit("error", { code, message });
      return null;
    }
    /**
     * Drop queued messages the server would refuse (left by an older version
     * or a hand-edited store), telling the app once for each.
     */
    _sweepOutbox() {
      for (const item of this.outbox.list()) {
        if (item.media_id && item.text === "") continue;
        const problem = textProblem(item.text);
        if (problem) this._reject(item.client_msg_id, problem);
      }
    }
    _sendOutboxItem(item) {
      try {
        const frame = { type: "message", client_msg_id: item.client_msg_id, text: item.text };
        if (item.media_id) frame.media_id = item.media_id;
        this._sendFrame(frame);
        this._sentUnacked.push(item.client_msg_id);
      } catch (err) {
        if (err.code !== "frame_too_big") throw err;
        this._reject(item.client_msg_id, "frame_too_big");
      }
    }
    /** Drop a message the server will never accept, and tell the app. */
    _reject(clientMsgId, code) {
      const item = this.outbox.remove(clientMsgId);
      this.emit("error", { code, client_msg_id: clientMsgId });
      this.emit("rejected", { code, client_msg_id: clientMsgId, item });
    }
    _flushOutbox() {
      for (const item of this.outbox.list()) {
        if (!this._canSend()) return;
        this._sendOutboxItem(item);
      }
    }
    // Control frames are not persisted: they make sense only for this session.
    _control(frame) {
      if (this._canSend()) this._sendFrame(frame);
      else this._controls.push(frame);
    }
  };
  for (const methods of [connectionMethods, receivingMethods, historyMethods]) {
    for (const name of Object.keys(methods)) {
      Object.defineProperty(CsbotClient.prototype, name, { value: methods[name], writable: true, configurable: true });
    }
  }

  // ../chat/static/chat/src/adapters/wx.js
  var WX_MAX_SOCKETS = 5;
  var PLATFORMS = { ios: "ios", android: "android", devtools: "devtools", windows: "windows", mac: "mac", ohos: "ohos" };
  function headerValue(header, name) {
    if (!header) return void 0;
    const want = name.toLowerCase();
    for (const k of Object.keys(header)) if (k.toLowerCase() === want) return header[k];
    return void 0;
  }
  function wxPlatform(value) {
    const p = String(value || "").toLowerCase();
    if (PLATFORMS[p]) return PLATFORMS[p];
    if (p === "harmony" || p === "harmonyos") return "ohos";
    if (p === "win" || p === "win32") return "windows";
    if (p === "macos" || p === "darwin") return "mac";
    return "other";
  }
  function readPlatform(wx2) {
    const readers = [() => wx2.getDeviceInfo(), () => wx2.getSystemInfoSync()];
    if (typeof wx2.getDeviceInfo !== "function") readers.shift();
    for (const read of readers) {
      try {
        const info = read();
        if (info && info.platform) return wxPlatform(info.platform);
      } catch (err) {
      }
    }
    return "other";
  }
  function createWxAdapter(wx2, { maxSockets = WX_MAX_SOCKETS } = {}) {
    if (!wx2) throw new Error("wx is not available");
    let live = 0;
    return {
      name: "wx",
      // Mini-programs can send the token as a header; no need to expose it in a URL.
      tokenInQuery: false,
      // WeChat freezes a mini-program a few seconds after onAppHide.
      suspendsInBackground: true,
      platform() {
        return readPlatform(wx2);
      },
      /** SocketTasks this adapter holds that have not closed yet. */
      liveSockets() {
        return live;
      },
      connect({ url, protocols, headers }, handlers) {
        let opened = false;
        let closed = false;
        let closeWanted = null;
        const finish = (ev) => {
          if (closed) return;
          closed = true;
          live -= 1;
          handlers.onclose(ev);
        };
        if (live >= maxSockets) {
          setTimeout(() => handlers.onclose({ code: 1006, reason: "too_many_sockets" }), 0);
          return { send() {
          }, close() {
          } };
        }
        live += 1;
        const task = wx2.connectSocket({
          url,
          header: headers,
          protocols,
          // A task that could not even start gets no onClose from WeChat.
          fail: (err) => {
            handlers.onerror(err);
            finish({ code: 1006, reason: err && err.errMsg || "connectSocket failed" });
          }
        });
        const offered = protocols || [];
        const closeTask = (code, reason) => {
          try {
            task.close({ code, reason, fail: () => {
            } });
          } catch (err) {
          }
        };
        task.onOpen((res) => {
          opened = true;
          if (closeWanted) {
            closeTask(closeWanted.code, closeWanted.reason);
            return;
          }
          const chosen = headerValue(res && res.header, "Sec-WebSocket-Protocol");
          handlers.onopen(chosen || (offered.indexOf("csbot.v1.proto") >= 0 ? "csbot.v1.proto" : offered[0] || ""));
        });
        task.onMessage((res) => {
          if (!closeWanted) handlers.onmessage(res.data);
        });
        task.onError((err) => {
          if (!closeWanted) handlers.onerror(err);
        });
        task.onClose((res) => finish({ code: res && res.code, reason: res && res.reason }));
        return {
          send(data) {
            task.send({ data, fail: (err) => handlers.onerror(err) });
          },
          close(code, reason) {
            if (closeWanted || closed) return;
            closeWanted = { code: code || 1e3, reason: reason || "" };
            if (opened) closeTask(closeWanted.code, closeWanted.reason);
          }
        };
      },
      storage: {
        get(key) {
          const v = wx2.getStorageSync(key);
          return v === "" || v === void 0 ? null : v;
        },
        set(key, value) {
          wx2.setStorageSync(key, value);
        },
        remove(key) {
          wx2.removeStorageSync(key);
        }
      },
      request({ method, url, headers, body, timeoutMs }) {
        return new Promise((resolve, reject) => {
          wx2.request({
            url,
            method,
            header: Object.assign({ "content-type": "application/json" }, headers || {}),
            data: body,
            timeout: timeoutMs,
            dataType: "json",
            success: (res) => resolve({ status: res.statusCode, data: res.data }),
            fail: (err) => reject(Object.assign(new Error(err && err.errMsg || "request failed"), { cause: err }))
          });
        });
      },
      /**
       * Upload a local file (a temp path from wx.chooseMedia) as multipart `file`
       * with wx.uploadFile; its answer body is a string, parsed here.
       */
      upload({ url, headers, file, timeoutMs }) {
        return new Promise((resolve, reject) => {
          wx2.uploadFile({
            url,
            filePath: file,
            name: "file",
            header: headers || {},
            timeout: timeoutMs,
            success: (res) => {
              let data = res.data;
              try {
                data = typeof data === "string" && data ? JSON.parse(data) : data;
              } catch (err) {
              }
              resolve({ status: res.statusCode, data });
            },
            fail: (err) => reject(Object.assign(new Error(err && err.errMsg || "upload failed"), { cause: err }))
          });
        });
      },
      /** wx.login gives a one-time code the server trades for the openid. */
      loginCode() {
        return new Promise((resolve, reject) => {
          wx2.login({
            success: (res) => res.code ? resolve(res.code) : reject(new Error("wx.login gave no code")),
            fail: (err) => reject(Object.assign(new Error(err && err.errMsg || "wx.login failed"), { cause: err }))
          });
        });
      },
      onForeground(cb) {
        wx2.onAppShow(cb);
        return () => wx2.offAppShow && wx2.offAppShow(cb);
      },
      onBackground(cb) {
        wx2.onAppHide(cb);
        return () => wx2.offAppHide && wx2.offAppHide(cb);
      },
      onOnline(cb) {
        const handler = (res) => {
          if (res && res.isConnected) cb();
        };
        wx2.onNetworkStatusChange(handler);
        return () => wx2.offNetworkStatusChange && wx2.offNetworkStatusChange(handler);
      }
    };
  }

  // ../chat/static/chat/src/adapters/browser.js
  function createBrowserAdapter(win) {
    const w = win || globalThis;
    const memory = /* @__PURE__ */ new Map();
    return {
      name: "browser",
      // Browsers cannot set headers on a WebSocket handshake.
      tokenInQuery: true,
      platform() {
        return "web";
      },
      connect({ url, protocols }, handlers) {
        const ws = new w.WebSocket(url, protocols);
        ws.binaryType = "arraybuffer";
        ws.onopen = () => handlers.onopen(ws.protocol || "");
        ws.onmessage = (ev) => handlers.onmessage(ev.data);
        ws.onerror = (ev) => handlers.onerror(ev);
        ws.onclose = (ev) => handlers.onclose({ code: ev.code, reason: ev.reason });
        return {
          send(data) {
            ws.send(data);
          },
          close(code, reason) {
            try {
              ws.close(code, reason);
            } catch (err) {
              ws.close();
            }
          }
        };
      },
      storage: {
        get(key) {
          try {
            return w.localStorage.getItem(key);
          } catch (err) {
            return memory.has(key) ? memory.get(key) : null;
          }
        },
        set(key, value) {
          try {
            w.localStorage.setItem(key, value);
          } catch (err) {
            memory.set(key, value);
          }
        },
        remove(key) {
          try {
            w.localStorage.removeItem(key);
          } catch (err) {
            memory.delete(key);
          }
        }
      },
      async request({ method, url, headers, body, timeoutMs }) {
        const ctrl = typeof w.AbortController === "function" ? new w.AbortController() : null;
        const timer = ctrl && timeoutMs ? setTimeout(() => ctrl.abort(), timeoutMs) : null;
        try {
          const res = await w.fetch(url, {
            method,
            headers: Object.assign({ "content-type": "application/json" }, headers || {}),
            body: body === void 0 ? void 0 : JSON.stringify(body),
            signal: ctrl ? ctrl.signal : void 0
          });
          let data = null;
          const text = await res.text();
          try {
            data = text ? JSON.parse(text) : null;
          } catch (err) {
            data = text;
          }
          return { status: res.status, data };
        } finally {
          if (timer) clearTimeout(timer);
        }
      },
      /** POST one file (a Blob or File) as multipart `file`; answers like request(). */
      async upload({ url, headers, file, timeoutMs }) {
        const ctrl = typeof w.AbortController === "function" ? new w.AbortController() : null;
        const timer = ctrl && timeoutMs ? setTimeout(() => ctrl.abort(), timeoutMs) : null;
        try {
          const form = new w.FormData();
          form.append("file", file, file && file.name || "picture");
          const res = await w.fetch(url, { method: "POST", headers: headers || {}, body: form, signal: ctrl ? ctrl.signal : void 0 });
          const text = await res.text();
          let data = null;
          try {
            data = text ? JSON.parse(text) : null;
          } catch (err) {
            data = text;
          }
          return { status: res.status, data };
        } finally {
          if (timer) clearTimeout(timer);
        }
      },
      onForeground(cb) {
        if (!w.document || !w.document.addEventListener) return () => {
        };
        const handler = () => {
          if (w.document.visibilityState === "visible") cb();
        };
        w.document.addEventListener("visibilitychange", handler);
        return () => w.document.removeEventListener("visibilitychange", handler);
      },
      onBackground(cb) {
        if (!w.document || !w.document.addEventListener) return () => {
        };
        const handler = () => {
          if (w.document.visibilityState === "hidden") cb();
        };
        w.document.addEventListener("visibilitychange", handler);
        return () => w.document.removeEventListener("visibilitychange", handler);
      },
      onOnline(cb) {
        if (!w.addEventListener) return () => {
        };
        w.addEventListener("online", cb);
        return () => w.removeEventListener("online", cb);
      }
    };
  }

  // ../chat/static/chat/src/proto-codec.js
  var import_minimal2 = __toESM(require_minimal2());
  var { Reader, Writer } = import_minimal2.default;
  var WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 };
  var SCALARS = {
    double: { wire: WIRE.fixed64, def: 0 },
    float: { wire: WIRE.fixed32, def: 0 },
    int32: { wire: WIRE.varint, def: 0 },
    uint32: { wire: WIRE.varint, def: 0 },
    sint32: { wire: WIRE.varint, def: 0 },
    fixed32: { wire: WIRE.fixed32, def: 0 },
    sfixed32: { wire: WIRE.fixed32, def: 0 },
    int64: { wire: WIRE.varint, def: 0 },
    uint64: { wire: WIRE.varint, def: 0 },
    sint64: { wire: WIRE.varint, def: 0 },
    fixed64: { wire: WIRE.fixed64, def: 0 },
    sfixed64: { wire: WIRE.fixed64, def: 0 },
    bool: { wire: WIRE.varint, def: false },
    string: { wire: WIRE.bytes, def: "" },
    bytes: { wire: WIRE.bytes, def: null }
  };
  var LONGS = /* @__PURE__ */ new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
  function toNumber(v) {
    if (typeof v === "number") return v;
    if (v && typeof v.toNumber === "function") return v.toNumber();
    return Number(v);
  }
  function indexTypes(node, prefix, out) {
    if (!node || !node.nested) return out;
    for (const [name, def] of Object.entries(node.nested)) {
      const full = prefix ? prefix + "." + name : name;
      if (def.fields) out.set(full, { kind: "message", full, def });
      else if (def.values) out.set(full, { kind: "enum", full, def });
      indexTypes(def, full, out);
    }
    return out;
  }
  var ProtoCodec = class {
    constructor(descriptor, frameName = "Frame") {
      this.name = "proto";
      this.subprotocol = "csbot.v1.proto";
      this.types = indexTypes(descriptor, "", /* @__PURE__ */ new Map());
      const frame = Array.from(this.types.values()).find((t) => t.kind === "message" && t.full.split(".").pop() === frameName);
      if (!frame) throw new Error("no " + frameName + " message in descriptor");
      this.frame = frame;
      this._compiled = /* @__PURE__ */ new Map();
      this._layout();
    }
    // Decide how the frame type is carried: as a oneof member name or a field.
    _layout() {
      const f = this._compile(this.frame.full);
      const typeField = f.byName.get("type");
      this.typeField = typeField || null;
      this.members = /* @__PURE__ */ new Map();
      for (const field of f.fields) {
        if (field.oneof && !field.synthetic && field.message) this.members.set(field.name, field);
      }
    }
    _resolve(typeName, scope) {
      if (typeName.startsWith(".")) return this.types.get(typeName.slice(1));
      const parts = scope.split(".");
      for (let i = parts.length; i >= 0; i--) {
        const candidate = parts.slice(0, i).concat(typeName).join(".");
        if (this.types.has(candidate)) return this.types.get(candidate);
      }
      return void 0;
    }
    _compile(fullName) {
      if (this._compiled.has(fullName)) return this._compiled.get(fullName);
      const t = this.types.get(fullName);
      const c = { fields: [], byName: /* @__PURE__ */ new Map(), byId: /* @__PURE__ */ new Map() };
      this._compiled.set(fullName, c);
      const oneofOf = /* @__PURE__ */ new Map();
      for (const [oname, o] of Object.entries(t.def.oneofs || {})) {
        for (const member of o.oneof) oneofOf.set(member, oname);
      }
      for (const [name, fd] of Object.entries(t.def.fields)) {
        const oneof = oneofOf.get(name) || null;
        const field = {
          name,
          id: fd.id,
          type: fd.type,
          repeated: fd.rule === "repeated",
          oneof,
          synthetic: Boolean(oneof && (fd.options && fd.options.proto3_optional || oneof === "_" + name)),
          optional: Boolean(fd.options && fd.options.proto3_optional) || fd.rule === "optional" || Boolean(oneof),
          scalar: SCALARS[fd.type] || null,
          message: null,
          enumDef: null
        };
        if (!field.scalar) {
          const ref = this._resolve(fd.type, fullName);
          if (!ref) throw new Error("unknown type " + fd.type + " in " + fullName);
          if (ref.kind === "enum") field.enumDef = ref.def.values;
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
      if (typeof v === "number") return v;
      const s = String(v);
      if (s in values) return values[s];
      const upper = s.toUpperCase();
      for (const [name, num] of Object.entries(values)) {
        if (name === upper || name.endsWith("_" + upper)) return num;
      }
      return 0;
    }
    _writeScalar(w, type, v) {
      switch (type) {
        case "double":
          return w.double(v);
        case "float":
          return w.float(v);
        case "int32":
          return w.int32(v);
        case "uint32":
          return w.uint32(v);
        case "sint32":
          return w.sint32(v);
        case "fixed32":
          return w.fixed32(v);
        case "sfixed32":
          return w.sfixed32(v);
        case "int64":
          return w.int64(v);
        case "uint64":
          return w.uint64(v);
        case "sint64":
          return w.sint64(v);
        case "fixed64":
          return w.fixed64(v);
        case "sfixed64":
          return w.sfixed64(v);
        case "bool":
          return w.bool(Boolean(v));
        case "string":
          return w.string(String(v));
        case "bytes":
          return w.bytes(v);
        default:
          throw new Error("bad scalar " + type);
      }
    }
    _writeValue(w, field, v) {
      if (field.message) {
        w.uint32(field.id << 3 | WIRE.bytes).fork();
        this._writeMessage(w, field.message, v);
        w.ldelim();
      } else if (field.enumDef) {
        w.uint32(field.id << 3 | WIRE.varint).int32(this._enumValue(field.enumDef, v));
      } else {
        w.uint32(field.id << 3 | field.scalar.wire);
        this._writeScalar(w, field.type, v);
      }
    }
    _writeMessage(w, fullName, obj) {
      const c = this._compile(fullName);
      for (const field of c.fields) {
        const v = obj[field.name];
        if (v === void 0 || v === null) continue;
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
      const _a = frame, { type } = _a, fields = __objRest(_a, ["type"]);
      const member = this.members.get(type);
      const w = Writer.create();
      if (member) {
        const top = { [type]: fields };
        if (this.typeField) top.type = type;
        this._writeMessage(w, this.frame.full, top);
      } else if (this.typeField) {
        this._writeMessage(w, this.frame.full, frame);
      } else {
        throw new Error("frame type " + type + " has no place in the proto Frame");
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
        } else if (field.repeated && wire === WIRE.bytes && field.type !== "string" && field.type !== "bytes") {
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
      for (const field of c.fields) {
        if (field.name in obj) continue;
        if (field.repeated) continue;
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
        top.type = typeof t === "string" ? normaliseTypeName(t) : t;
        return withLists(top);
      }
      throw new Error("proto frame carries no known type");
    }
  };
  var ALWAYS_LISTS = { welcome: ["compress"], history: ["messages"] };
  function withLists(frame) {
    for (const name of ALWAYS_LISTS[frame.type] || []) if (!(name in frame)) frame[name] = [];
    return frame;
  }
  function normaliseTypeName(name) {
    return name.replace(/^(FRAME_)?TYPE_/, "").toLowerCase();
  }

  // ../chat/static/chat/src/proto/descriptor.json
  var descriptor_default = {
    nested: {
      csbot: {
        nested: {
          v1: {
            nested: {
              Conversation: {
                oneofs: {
                  _id: {
                    oneof: [
                      "id"
                    ]
                  },
                  _status: {
                    oneof: [
                      "status"
                    ]
                  },
                  _agent_name: {
                    oneof: [
                      "agent_name"
                    ]
                  }
                },
                fields: {
                  id: {
                    type: "string",
                    id: 1,
                    options: {
                      proto3_optional: true
                    }
                  },
                  status: {
                    type: "string",
                    id: 2,
                    options: {
                      proto3_optional: true
                    }
                  },
                  agent_name: {
                    type: "string",
                    id: 3,
                    options: {
                      proto3_optional: true
                    }
                  }
                }
              },
              Resume: {
                oneofs: {
                  _conversation_id: {
                    oneof: [
                      "conversation_id"
                    ]
                  },
                  _last_seq: {
                    oneof: [
                      "last_seq"
                    ]
                  }
                },
                fields: {
                  conversation_id: {
                    type: "string",
                    id: 1,
                    options: {
                      proto3_optional: true
                    }
                  },
                  last_seq: {
                    type: "int64",
                    id: 2,
                    options: {
                      proto3_optional: true
                    }
                  }
                }
              },
              Media: {
                oneofs: {
                  _url: {
                    oneof: [
                      "url"
                    ]
                  },
                  _thumb_url: {
                    oneof: [
                      "thumb_url"
                    ]
                  },
                  _mime: {
                    oneof: [
                      "mime"
                    ]
                  },
                  _width: {
                    oneof: [
                      "width"
                    ]
                  },
                  _height: {
                    oneof: [
                      "height"
                    ]
                  }
                },
                fields: {
                  url: {
                    type: "string",
                    id: 1,
                    options: {
                      proto3_optional: true
                    }
                  },
                  thumb_url: {
                    type: "string",
                    id: 2,
                    options: {
                      proto3_optional: true
                    }
                  },
                  mime: {
                    type: "string",
                    id: 3,
                    options: {
                      proto3_optional: true
                    }
                  },
                  width: {
                    type: "int32",
                    id: 4,
                    options: {
                      proto3_optional: true
                    }
                  },
                  height: {
                    type: "int32",
                    id: 5,
                    options: {
                      proto3_optional: true
                    }
                  }
                }
              },
              ChatMessage: {
                oneofs: {
                  _type: {
                    oneof: [
                      "type"
                    ]
                  },
                  _msg_id: {
                    oneof: [
                      "msg_id"
                    ]
                  },
                  _conversation_id: {
                    oneof: [
                      "conversation_id"
                    ]
                  },
                  _seq: {
                    oneof: [
                      "seq"
                    ]
                  },
                  _sender: {
                    oneof: [
                      "sender"
                    ]
                  },
                  _sender_name: {
                    oneof: [
                      "sender_name"
                    ]
                  },
                  _text: {
                    oneof: [
                      "text"
                    ]
                  },
                  _ts: {
                    oneof: [
                      "ts"
                    ]
                  },
                  _client_msg_id: {
                    oneof: [
                      "client_msg_id"
                    ]
                  },
                  _stream_id: {
                    oneof: [
                      "stream_id"
                    ]
                  }
                },
                fields: {
                  type: {
                    type: "string",
                    id: 1,
                    options: {
                      proto3_optional: true
                    }
                  },
                  msg_id: {
                    type: "string",
                    id: 2,
                    options: {
                      proto3_optional: true
                    }
                  },
                  conversation_id: {
                    type: "string",
                    id: 3,
                    options: {
                      proto3_optional: true
                    }
                  },
                  seq: {
                    type: "int64",
                    id: 4,
                    options: {
                      proto3_optional: true
                    }
                  },
                  sender: {
                    type: "string",
                    id: 5,
                    options: {
                      proto3_optional: true
                    }
                  },
                  sender_name: {
                    type: "string",
                    id: 6,
                    options: {
                      proto3_optional: true
                    }
                  },
                  text: {
                    type: "string",
                    id: 7,
                    options: {
                      proto3_optional: true
                    }
                  },
                  ts: {
                    type: "int64",
                    id: 8,
                    options: {
                      proto3_optional: true
                    }
                  },
                  client_msg_id: {
                    type: "string",
                    id: 9,
                    options: {
                      proto3_optional: true
                    }
                  },
                  stream_id: {
                    type: "string",
                    id: 10,
                    options: {
                      proto3_optional: true
                    }
                  },
                  media: {
                    type: "Media",
                    id: 11
                  }
                }
              },
              Frame: {
                oneofs: {
                  _type: {
                    oneof: [
                      "type"
                    ]
                  },
                  _conversation_id: {
                    oneof: [
                      "conversation_id"
                    ]
                  },
                  _stream_id: {
                    oneof: [
                      "stream_id"
                    ]
                  },
                  _index: {
                    oneof: [
                      "index"
                    ]
                  },
                  _delta: {
                    oneof: [
                      "delta"
                    ]
                  },
                  _text: {
                    oneof: [
                      "text"
                    ]
                  },
                  _client_msg_id: {
                    oneof: [
                      "client_msg_id"
                    ]
                  },
                  _msg_id: {
                    oneof: [
                      "msg_id"
                    ]
                  },
                  _seq: {
                    oneof: [
                      "seq"
                    ]
                  },
                  _ts: {
                    oneof: [
                      "ts"
                    ]
                  },
                  _sender: {
                    oneof: [
                      "sender"
                    ]
                  },
                  _sender_name: {
                    oneof: [
                      "sender_name"
                    ]
                  },
                  _status: {
                    oneof: [
                      "status"
                    ]
                  },
                  _last_seq: {
                    oneof: [
                      "last_seq"
                    ]
                  },
                  _device_id: {
                    oneof: [
                      "device_id"
                    ]
                  },
                  _platform: {
                    oneof: [
                      "platform"
                    ]
                  },
                  _app_version: {
                    oneof: [
                      "app_version"
                    ]
                  },
                  _reason: {
                    oneof: [
                      "reason"
                    ]
                  },
                  _score: {
                    oneof: [
                      "score"
                    ]
                  },
                  _comment: {
                    oneof: [
                      "comment"
                    ]
                  },
                  _before_seq: {
                    oneof: [
                      "before_seq"
                    ]
                  },
                  _limit: {
                    oneof: [
                      "limit"
                    ]
                  },
                  _heartbeat_s: {
                    oneof: [
                      "heartbeat_s"
                    ]
                  },
                  _max_frame_bytes: {
                    oneof: [
                      "max_frame_bytes"
                    ]
                  },
                  _recovered: {
                    oneof: [
                      "recovered"
                    ]
                  },
                  _server_time: {
                    oneof: [
                      "server_time"
                    ]
                  },
                  _queue_position: {
                    oneof: [
                      "queue_position"
                    ]
                  },
                  _agent_name: {
                    oneof: [
                      "agent_name"
                    ]
                  },
                  _code: {
                    oneof: [
                      "code"
                    ]
                  },
                  _message: {
                    oneof: [
                      "message"
                    ]
                  },
                  _media_id: {
                    oneof: [
                      "media_id"
                    ]
                  },
                  _max_media_bytes: {
                    oneof: [
                      "max_media_bytes"
                    ]
                  }
                },
                fields: {
                  type: {
                    type: "string",
                    id: 1,
                    options: {
                      proto3_optional: true
                    }
                  },
                  conversation_id: {
                    type: "string",
                    id: 2,
                    options: {
                      proto3_optional: true
                    }
                  },
                  stream_id: {
                    type: "string",
                    id: 3,
                    options: {
                      proto3_optional: true
                    }
                  },
                  index: {
                    type: "int32",
                    id: 4,
                    options: {
                      proto3_optional: true
                    }
                  },
                  delta: {
                    type: "string",
                    id: 5,
                    options: {
                      proto3_optional: true
                    }
                  },
                  text: {
                    type: "string",
                    id: 6,
                    options: {
                      proto3_optional: true
                    }
                  },
                  client_msg_id: {
                    type: "string",
                    id: 7,
                    options: {
                      proto3_optional: true
                    }
                  },
                  msg_id: {
                    type: "string",
                    id: 8,
                    options: {
                      proto3_optional: true
                    }
                  },
                  seq: {
                    type: "int64",
                    id: 9,
                    options: {
                      proto3_optional: true
                    }
                  },
                  ts: {
                    type: "int64",
                    id: 10,
                    options: {
                      proto3_optional: true
                    }
                  },
                  sender: {
                    type: "string",
                    id: 11,
                    options: {
                      proto3_optional: true
                    }
                  },
                  sender_name: {
                    type: "string",
                    id: 12,
                    options: {
                      proto3_optional: true
                    }
                  },
                  status: {
                    type: "string",
                    id: 13,
                    options: {
                      proto3_optional: true
                    }
                  },
                  last_seq: {
                    type: "int64",
                    id: 14,
                    options: {
                      proto3_optional: true
                    }
                  },
                  messages: {
                    rule: "repeated",
                    type: "ChatMessage",
                    id: 15
                  },
                  device_id: {
                    type: "string",
                    id: 16,
                    options: {
                      proto3_optional: true
                    }
                  },
                  platform: {
                    type: "string",
                    id: 17,
                    options: {
                      proto3_optional: true
                    }
                  },
                  app_version: {
                    type: "string",
                    id: 18,
                    options: {
                      proto3_optional: true
                    }
                  },
                  compress: {
                    rule: "repeated",
                    type: "string",
                    id: 19
                  },
                  resume: {
                    type: "Resume",
                    id: 20
                  },
                  reason: {
                    type: "string",
                    id: 21,
                    options: {
                      proto3_optional: true
                    }
                  },
                  score: {
                    type: "int32",
                    id: 22,
                    options: {
                      proto3_optional: true
                    }
                  },
                  comment: {
                    type: "string",
                    id: 23,
                    options: {
                      proto3_optional: true
                    }
                  },
                  before_seq: {
                    type: "int64",
                    id: 24,
                    options: {
                      proto3_optional: true
                    }
                  },
                  limit: {
                    type: "int32",
                    id: 25,
                    options: {
                      proto3_optional: true
                    }
                  },
                  conversation: {
                    type: "Conversation",
                    id: 26
                  },
                  heartbeat_s: {
                    type: "int32",
                    id: 27,
                    options: {
                      proto3_optional: true
                    }
                  },
                  max_frame_bytes: {
                    type: "int32",
                    id: 28,
                    options: {
                      proto3_optional: true
                    }
                  },
                  recovered: {
                    type: "bool",
                    id: 29,
                    options: {
                      proto3_optional: true
                    }
                  },
                  server_time: {
                    type: "int64",
                    id: 30,
                    options: {
                      proto3_optional: true
                    }
                  },
                  queue_position: {
                    type: "int32",
                    id: 31,
                    options: {
                      proto3_optional: true
                    }
                  },
                  agent_name: {
                    type: "string",
                    id: 32,
                    options: {
                      proto3_optional: true
                    }
                  },
                  code: {
                    type: "string",
                    id: 33,
                    options: {
                      proto3_optional: true
                    }
                  },
                  message: {
                    type: "string",
                    id: 34,
                    options: {
                      proto3_optional: true
                    }
                  },
                  media_id: {
                    type: "string",
                    id: 35,
                    options: {
                      proto3_optional: true
                    }
                  },
                  media: {
                    type: "Media",
                    id: 36
                  },
                  max_media_bytes: {
                    type: "int32",
                    id: 37,
                    options: {
                      proto3_optional: true
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  };

  // ../chat/static/chat/src/index.js
  var VERSION = "1.0.0";
  var protoCodec = null;
  function getProtoCodec() {
    if (protoCodec === null && descriptor_default) protoCodec = new ProtoCodec(descriptor_default);
    return protoCodec;
  }
  function globalObject() {
    if (typeof globalThis !== "undefined") return globalThis;
    if (typeof window !== "undefined") return window;
    return {};
  }
  function findWx() {
    return typeof wx !== "undefined" ? wx : globalObject().wx;
  }
  function defaultAdapter(options) {
    if (options.wx) return createWxAdapter(options.wx);
    const wxObject = findWx();
    if (wxObject && typeof wxObject.connectSocket === "function") return createWxAdapter(wxObject);
    return createBrowserAdapter(globalObject());
  }
  var CsbotClient2 = class extends CsbotClient {
    constructor(options) {
      const o = Object.assign({}, options);
      if (o.adapter === "wx") o.adapter = createWxAdapter(o.wx || findWx());
      else if (o.adapter === "browser") o.adapter = createBrowserAdapter(globalObject());
      else if (!o.adapter) o.adapter = defaultAdapter(o);
      if (o.proto === void 0) o.proto = o.jsonOnly ? null : getProtoCodec();
      if (o.jsonOnly) o.protocols = ["csbot.v1.json"];
      super(o);
    }
  };
  var adapters = { createWxAdapter, createBrowserAdapter };
  var internals = {
    Backoff,
    Outbox,
    Sequencer,
    StreamAssembler,
    Wire,
    ProtoCodec,
    jsonCodec,
    openBinary,
    closeBinary,
    snappyDeclaredLength,
    CLOSE_POLICY,
    policyFor,
    descriptor: descriptor_default
  };
  return __toCommonJS(index_exports);
})();

if (typeof module === "object" && module && module.exports) { module.exports = CsbotSDK; }
else if (typeof globalThis !== "undefined") { globalThis.CsbotSDK = CsbotSDK; globalThis.CsbotClient = CsbotSDK.CsbotClient; }
