/**
 * Python codec names, as a coding cookie may spell them, and how to decode them with
 * iconv-lite. Generated from CPython 3.11's `encodings.aliases` and `codecs.lookup`,
 * keeping the ASCII-compatible codecs iconv-lite implements (a cookie must be
 * ASCII-compatible to be read at all, so UTF-16/32 are left out).
 */

/** Canonical Python codec name (as `codecs.lookup(name).name` gives it) -> its aliases, normalised. */
const CODEC_ALIASES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['ascii', ['646', 'ansi_x3.4_1968', 'ansi_x3.4_1986', 'ansi_x3_4_1968', 'ascii', 'cp367', 'csascii', 'ibm367', 'iso646_us', 'iso_646.irv_1991', 'iso_ir_6', 'us', 'us_ascii']],
  ['big5', ['big5', 'big5_tw', 'csbig5', 'x_mac_trad_chinese']],
  ['big5hkscs', ['big5_hkscs', 'big5hkscs', 'hkscs']],
  ['cp1125', ['1125', 'cp1125', 'cp866u', 'ibm1125', 'ruscii']],
  ['cp1250', ['1250', 'cp1250', 'windows_1250']],
  ['cp1251', ['1251', 'cp1251', 'windows_1251']],
  ['cp1252', ['1252', 'cp1252', 'windows_1252']],
  ['cp1253', ['1253', 'cp1253', 'windows_1253']],
  ['cp1254', ['1254', 'cp1254', 'windows_1254']],
  ['cp1255', ['1255', 'cp1255', 'windows_1255']],
  ['cp1256', ['1256', 'cp1256', 'windows_1256']],
  ['cp1257', ['1257', 'cp1257', 'windows_1257']],
  ['cp1258', ['1258', 'cp1258', 'windows_1258']],
  ['cp437', ['437', 'cp437', 'cspc8codepage437', 'ibm437']],
  ['cp720', ['cp720']],
  ['cp737', ['cp737']],
  ['cp775', ['775', 'cp775', 'cspc775baltic', 'ibm775']],
  ['cp850', ['850', 'cp850', 'cspc850multilingual', 'ibm850']],
  ['cp852', ['852', 'cp852', 'cspcp852', 'ibm852']],
  ['cp855', ['855', 'cp855', 'csibm855', 'ibm855']],
  ['cp856', ['cp856']],
  ['cp857', ['857', 'cp857', 'csibm857', 'ibm857']],
  ['cp858', ['858', 'cp858', 'csibm858', 'ibm858']],
  ['cp860', ['860', 'cp860', 'csibm860', 'ibm860']],
  ['cp861', ['861', 'cp861', 'cp_is', 'csibm861', 'ibm861']],
  ['cp862', ['862', 'cp862', 'cspc862latinhebrew', 'ibm862']],
  ['cp863', ['863', 'cp863', 'csibm863', 'ibm863']],
  ['cp864', ['864', 'cp864', 'csibm864', 'ibm864']],
  ['cp865', ['865', 'cp865', 'csibm865', 'ibm865']],
  ['cp866', ['866', 'cp866', 'csibm866', 'ibm866']],
  ['cp869', ['869', 'cp869', 'cp_gr', 'csibm869', 'ibm869']],
  ['cp874', ['cp874']],
  ['cp932', ['932', 'cp932', 'ms932', 'ms_kanji', 'mskanji']],
  ['cp949', ['949', 'cp949', 'ms949', 'uhc']],
  ['cp950', ['950', 'cp950', 'ms950']],
  ['euc_jp', ['euc_jp', 'eucjp', 'u_jis', 'ujis']],
  ['euc_kr', ['euc_kr', 'euckr', 'korean', 'ks_c_5601', 'ks_c_5601_1987', 'ks_x_1001', 'ksc5601', 'ksx1001', 'x_mac_korean']],
  ['gb18030', ['gb18030', 'gb18030_2000']],
  ['gb2312', ['chinese', 'csiso58gb231280', 'euc_cn', 'euccn', 'eucgb2312_cn', 'gb2312', 'gb2312_1980', 'gb2312_80', 'iso_ir_58', 'x_mac_simp_chinese']],
  ['gbk', ['936', 'cp936', 'gbk', 'ms936']],
  ['hp-roman8', ['cp1051', 'hp_roman8', 'ibm1051', 'r8', 'roman8']],
  ['iso8859-1', ['8859', 'cp819', 'csisolatin1', 'ibm819', 'iso8859', 'iso8859_1', 'iso_8859_1', 'iso_8859_1_1987', 'iso_ir_100', 'l1', 'latin', 'latin1', 'latin_1']],
  ['iso8859-10', ['csisolatin6', 'iso8859_10', 'iso_8859_10', 'iso_8859_10_1992', 'iso_ir_157', 'l6', 'latin6']],
  ['iso8859-11', ['iso8859_11', 'iso_8859_11', 'iso_8859_11_2001', 'thai']],
  ['iso8859-13', ['iso8859_13', 'iso_8859_13', 'l7', 'latin7']],
  ['iso8859-14', ['iso8859_14', 'iso_8859_14', 'iso_8859_14_1998', 'iso_celtic', 'iso_ir_199', 'l8', 'latin8']],
  ['iso8859-15', ['iso8859_15', 'iso_8859_15', 'l9', 'latin9']],
  ['iso8859-16', ['iso8859_16', 'iso_8859_16', 'iso_8859_16_2001', 'iso_ir_226', 'l10', 'latin10']],
  ['iso8859-2', ['csisolatin2', 'iso8859_2', 'iso_8859_2', 'iso_8859_2_1987', 'iso_ir_101', 'l2', 'latin2']],
  ['iso8859-3', ['csisolatin3', 'iso8859_3', 'iso_8859_3', 'iso_8859_3_1988', 'iso_ir_109', 'l3', 'latin3']],
  ['iso8859-4', ['csisolatin4', 'iso8859_4', 'iso_8859_4', 'iso_8859_4_1988', 'iso_ir_110', 'l4', 'latin4']],
  ['iso8859-5', ['csisolatincyrillic', 'cyrillic', 'iso8859_5', 'iso_8859_5', 'iso_8859_5_1988', 'iso_ir_144']],
  ['iso8859-6', ['arabic', 'asmo_708', 'csisolatinarabic', 'ecma_114', 'iso8859_6', 'iso_8859_6', 'iso_8859_6_1987', 'iso_ir_127']],
  ['iso8859-7', ['csisolatingreek', 'ecma_118', 'elot_928', 'greek', 'greek8', 'iso8859_7', 'iso_8859_7', 'iso_8859_7_1987', 'iso_ir_126']],
  ['iso8859-8', ['csisolatinhebrew', 'hebrew', 'iso8859_8', 'iso_8859_8', 'iso_8859_8_1988', 'iso_ir_138']],
  ['iso8859-9', ['csisolatin5', 'iso8859_9', 'iso_8859_9', 'iso_8859_9_1989', 'iso_ir_148', 'l5', 'latin5']],
  ['koi8-r', ['cskoi8r', 'koi8_r']],
  ['koi8-t', ['koi8_t']],
  ['koi8-u', ['koi8_u']],
  ['mac-croatian', ['mac_croatian']],
  ['mac-cyrillic', ['mac_cyrillic', 'maccyrillic']],
  ['mac-greek', ['mac_greek', 'macgreek']],
  ['mac-iceland', ['mac_iceland', 'maciceland']],
  ['mac-roman', ['mac_roman', 'macintosh', 'macroman']],
  ['mac-turkish', ['mac_turkish', 'macturkish']],
  ['shift_jis', ['csshiftjis', 's_jis', 'shift_jis', 'shiftjis', 'sjis', 'x_mac_japanese']],
  ['tis-620', ['iso_ir_166', 'tis620', 'tis_620', 'tis_620_0', 'tis_620_2529_0', 'tis_620_2529_1']],
  ['utf-8', ['cp65001', 'u8', 'utf', 'utf8', 'utf8_ucs2', 'utf8_ucs4', 'utf_8']],
  ['utf-8-sig', ['utf_8_sig']],
];

export interface PythonCodec {
  /** Canonical Python name, e.g. `iso8859-1` for `latin-1`, `utf-8` for `utf8` and `utf-8-sig`. */
  name: string;
  /** Name iconv-lite knows it by; undefined for UTF-8, which Node decodes natively. */
  iconvName: string | undefined;
}

const BY_ALIAS = new Map<string, string>();
for (const [canonical, aliases] of CODEC_ALIASES) {
  for (const alias of aliases) BY_ALIAS.set(alias, canonical);
}

/** Python's `encodings.normalize_encoding` followed by its lower-casing lookup. */
function normaliseCodecName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * The tokenizer's `get_normal_name`: Emacs-style suffixes (`utf-8-unix`, `latin-1-dos`)
 * name the same codec.
 */
function tokenizerNormalName(name: string): string {
  const spelled = name.slice(0, 12).toLowerCase().replace(/_/g, '-');
  if (spelled === 'utf-8' || spelled.startsWith('utf-8-')) return 'utf-8';
  for (const latin1 of ['latin-1', 'iso-8859-1', 'iso-latin-1']) {
    if (spelled === latin1 || spelled.startsWith(`${latin1}-`)) return 'iso-8859-1';
  }
  return name;
}

/**
 * Whether a coding declaration may accompany a UTF-8 BOM. CPython compares the
 * tokenizer's normal name with `utf-8`, so `utf-8`, `UTF_8` and `utf-8-unix` pass but
 * `utf8` does not; we follow it, so that concur rejects exactly what Python rejects.
 */
export function isUtf8CookieName(name: string): boolean {
  return tokenizerNormalName(name) === 'utf-8';
}

/** The codec Python would use for `name`, or undefined when Python or iconv-lite does not know it. */
export function resolvePythonCodec(name: string): PythonCodec | undefined {
  const normalised = normaliseCodecName(tokenizerNormalName(name));
  const canonical = BY_ALIAS.get(normalised) ?? BY_ALIAS.get(normalised.replace(/\./g, '_'));
  if (canonical === undefined) return undefined;
  // `utf-8-sig` only differs from `utf-8` in skipping a BOM, which we strip ourselves.
  if (canonical === 'utf-8' || canonical === 'utf-8-sig') return { name: 'utf-8', iconvName: undefined };
  return { name: canonical, iconvName: canonical.replace(/[^a-z0-9]/g, '') };
}
