import { VideoErrorCode, videoError } from '../shared/ffmpeg/errors.ts';
import type { ByteSource } from './byte-source.ts';

/** Top-level boxes walked at most; real files have a handful (ftyp, moov, mdat, free, moof/mdat pairs…). */
const MAX_TOP_LEVEL_BOXES = 10_000;

/**
 * Walks an MP4/MOV's top-level boxes by their headers only (16 bytes each): a box that runs past
 * the end of the file means the upload is cut short (VIDEO_TRUNCATED); a complete file with no
 * moov has no index to play from (VIDEO_CORRUPT). ffprobe happily reports a cut moov-first MP4 as
 * whole, and "moov atom not found" for a cut moov-last one, so both are decided here.
 */
export async function checkMp4Structure(source: ByteSource, size: number): Promise<void> {
  let offset = 0;
  let sawMoov = false;
  for (let count = 0; offset < size; count++) {
    if (count >= MAX_TOP_LEVEL_BOXES) return; // pathological but not provably broken: leave it to ffprobe
    const header = await source.read(offset, 16);
    if (header.length < 8) {
      throw videoError(VideoErrorCode.VIDEO_TRUNCATED, `the MP4 ends inside a box header at byte ${offset} of ${size}`, { offset, size });
    }
    const type = header.toString('latin1', 4, 8);
    let boxSize = header.readUInt32BE(0);
    if (boxSize === 1) {
      if (header.length < 16) throw videoError(VideoErrorCode.VIDEO_TRUNCATED, `the MP4 ends inside the '${type}' box header`, { offset, size });
      boxSize = Number(header.readBigUInt64BE(8));
    } else if (boxSize === 0) {
      boxSize = size - offset; // "extends to the end of the file"
    }
    if (boxSize < 8) throw videoError(VideoErrorCode.VIDEO_CORRUPT, `the MP4 box '${printable(type)}' at byte ${offset} has an impossible size ${boxSize}`, { offset, boxSize });
    if (offset + boxSize > size) {
      throw videoError(
        VideoErrorCode.VIDEO_TRUNCATED,
        `the MP4 is cut short: its '${printable(type)}' box needs ${offset + boxSize} bytes, the file has ${size}${sawMoov ? '' : ' (and the moov index never arrived)'}`,
        { box: printable(type), declaredEnd: offset + boxSize, size },
      );
    }
    if (type === 'moov') sawMoov = true;
    offset += boxSize;
  }
  if (!sawMoov) throw videoError(VideoErrorCode.VIDEO_CORRUPT, 'the MP4 has no moov box (its index): "moov atom not found"', { size });
}

const printable = (type: string) => type.replace(/[^\x20-\x7e]/g, '?');
