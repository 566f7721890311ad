/**
 * The binary changelog format of the state primitives: unsigned LEB128 varints, little-endian
 * floats, length-prefixed UTF-8 strings. A writer grows one buffer (no per-field allocation); a
 * reader walks one. Every primitive encodes itself through these, so the format has one home.
 */

/** Appends fields to a growing buffer; `finish` returns the bytes written. */
export class ByteWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initialBytes = 64) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  /** A non-negative integer below 2^53, in 1-8 bytes (small numbers, the common case, in one). */
  uint(value: number): this {
    // Fast path, the common case (counts, tags, lengths): one byte.
    if (value >= 0 && value < 0x80 && (value | 0) === value) {
      this.reserve(1);
      this.buffer[this.length++] = value;
      return this;
    }
    if (!(value >= 0) || !Number.isSafeInteger(value)) throw new RangeError(`uint: not a safe non-negative integer: ${value}`);
    this.reserve(8);
    let v = value;
    while (v >= 0x80) {
      this.buffer[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buffer[this.length++] = v;
    return this;
  }

  f32(value: number): this {
    this.reserve(4);
    this.buffer.writeFloatLE(value, this.length);
    this.length += 4;
    return this;
  }

  f64(value: number): this {
    this.reserve(8);
    this.buffer.writeDoubleLE(value, this.length);
    this.length += 8;
    return this;
  }

  string(value: string): this {
    const bytes = Buffer.byteLength(value);
    this.uint(bytes);
    this.reserve(bytes);
    this.buffer.write(value, this.length, 'utf8');
    this.length += bytes;
    return this;
  }

  /** A string or null (a 0 / 1 tag, then the string). */
  optionalString(value: string | null | undefined): this {
    if (value === null || value === undefined) return this.uint(0);
    return this.uint(1).string(value);
  }

  /** The bytes written so far (a copy: the writer may be reused or dropped). */
  finish(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }
}

/** Reads what a ByteWriter wrote, in the same order; throws `RangeError` past the end. */
export class ByteReader {
  private offset = 0;

  constructor(private readonly bytes: Buffer) {}

  private need(n: number): void {
    if (this.offset + n > this.bytes.length) throw new RangeError(`state bytes end early (need ${n} at ${this.offset} of ${this.bytes.length})`);
  }

  uint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      this.need(1);
      const b = this.bytes[this.offset++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
    throw new RangeError('uint: varint longer than 8 bytes');
  }

  f32(): number {
    this.need(4);
    const v = this.bytes.readFloatLE(this.offset);
    this.offset += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.bytes.readDoubleLE(this.offset);
    this.offset += 8;
    return v;
  }

  string(): string {
    const n = this.uint();
    this.need(n);
    const s = this.bytes.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return s;
  }

  optionalString(): string | null {
    return this.uint() === 0 ? null : this.string();
  }

  /** True when every byte was read (decoders check it, so that trailing garbage is an error). */
  get done(): boolean {
    return this.offset === this.bytes.length;
  }

  /** Throws unless every byte was read. */
  end(): void {
    if (!this.done) throw new RangeError(`state bytes: ${this.bytes.length - this.offset} trailing bytes`);
  }
}
