/*
 * CrmChat's callback crypto kernel: SHA-1 (SHA-NI) and AES-256-CBC (AES-NI) run interleaved
 * in one instruction stream.
 *
 * Opening or sealing a callback needs a SHA-1 over the signed text and an AES-CBC pass over
 * the ciphertext. Each is bound by the latency of its own instructions, on different units of
 * the processor, so doing a little of one inside every step of the other costs about as much
 * as the longer one alone. .NET 10 has no SHA-NI intrinsics, hence C. Managed code checks
 * every length and pointer before calling in; this file only walks whole blocks it is given.
 * Without the library, or on a processor without the instructions, CallbackCrypto stays
 * managed. Built by Connectors/CrmChat.Connectors.csproj with gcc on Linux x64.
 */
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))

static const uint8_t ByteSwap[16] = {15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0};

/* The running SHA-1 of one text: the state in the registers' order. */
typedef struct {
    __m128i abcd, e0, swap;
} sha1_run;

static sha1_run sha1_start(const uint32_t state[5]) {
    sha1_run s;
    s.abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)state), 0x1B);
    s.e0 = _mm_set_epi32((int)state[4], 0, 0, 0);
    s.swap = _mm_loadu_si128((const __m128i *)ByteSwap);
    return s;
}

static void sha1_end(const sha1_run *s, uint32_t state[5]) {
    _mm_storeu_si128((__m128i *)state, _mm_shuffle_epi32(s->abcd, 0x1B));
    state[4] = (uint32_t)_mm_extract_epi32(s->e0, 3);
}

/* Four rounds: i is 0..19, the round function changes every fifth. */
#define SHA1_ROUNDS(i)                                                                         \
    e = (i) == 0 ? _mm_add_epi32(s->e0, w[0]) : _mm_sha1nexte_epu32(prev, w[i]);               \
    prev = s->abcd;                                                                            \
    s->abcd = _mm_sha1rnds4_epu32(s->abcd, e, (i) / 5);

/*
 * One 64-byte block in two halves, so a caller can put other work between them: the message
 * schedule and rounds 0..39, then rounds 40..79 and the feed-forward.
 */
typedef struct {
    __m128i w[20], start, e_start, prev;
} sha1_block;

static inline void sha1_first_half(sha1_run *s, sha1_block *b, const uint8_t *p) {
    __m128i *w = b->w, e, prev = s->abcd;
    b->start = s->abcd;
    b->e_start = s->e0;
    for (int i = 0; i < 4; i++) w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), s->swap);
    for (int i = 4; i < 20; i++)
        w[i] = _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32(w[i - 4], w[i - 3]), w[i - 2]), w[i - 1]);
    SHA1_ROUNDS(0) SHA1_ROUNDS(1) SHA1_ROUNDS(2) SHA1_ROUNDS(3) SHA1_ROUNDS(4)
    SHA1_ROUNDS(5) SHA1_ROUNDS(6) SHA1_ROUNDS(7) SHA1_ROUNDS(8) SHA1_ROUNDS(9)
    b->prev = prev;
}

static inline void sha1_second_half(sha1_run *s, sha1_block *b) {
    __m128i *w = b->w, e, prev = b->prev;
    SHA1_ROUNDS(10) SHA1_ROUNDS(11) SHA1_ROUNDS(12) SHA1_ROUNDS(13) SHA1_ROUNDS(14)
    SHA1_ROUNDS(15) SHA1_ROUNDS(16) SHA1_ROUNDS(17) SHA1_ROUNDS(18) SHA1_ROUNDS(19)
    s->e0 = _mm_sha1nexte_epu32(prev, b->e_start);
    s->abcd = _mm_add_epi32(s->abcd, b->start);
}

static inline __m128i load(const uint8_t *p) { return _mm_loadu_si128((const __m128i *)p); }
static inline void store(uint8_t *p, __m128i v) { _mm_storeu_si128((__m128i *)p, v); }

/* keys: 15 round keys of 16 bytes, as AesNiCbc lays them out for the direction asked. */
static inline __m128i aes_key(const uint8_t *keys, int round) { return load(keys + 16 * round); }

/* Decrypts blocks one by one over themselves: the tail after the interleaved part. */
static void cbc_decrypt_rest(const uint8_t *keys, uint8_t *data, size_t blocks, __m128i previous) {
    for (size_t i = 0; i < blocks; i++, data += 16) {
        __m128i cipher = load(data), x = _mm_xor_si128(cipher, aes_key(keys, 0));
        for (int r = 1; r < 14; r++) x = _mm_aesdec_si128(x, aes_key(keys, r));
        store(data, _mm_xor_si128(_mm_aesdeclast_si128(x, aes_key(keys, 14)), previous));
        previous = cipher;
    }
}

/* Encrypts blocks one by one over themselves, chained from previous; returns the last ciphertext. */
static inline __m128i cbc_encrypt_run(const uint8_t *keys, uint8_t *data, size_t blocks, __m128i previous) {
    for (size_t i = 0; i < blocks; i++, data += 16) {
        __m128i x = _mm_xor_si128(_mm_xor_si128(load(data), previous), aes_key(keys, 0));
        for (int r = 1; r < 14; r++) x = _mm_aesenc_si128(x, aes_key(keys, r));
        previous = _mm_aesenclast_si128(x, aes_key(keys, 14));
        store(data, previous);
    }
    return previous;
}

/* SHA-1 over whole 64-byte blocks of text, continuing state. */
EXPORT void crmchat_sha1_blocks(uint32_t state[5], const uint8_t *text, size_t blocks) {
    sha1_run s = sha1_start(state);
    sha1_block b;
    for (size_t i = 0; i < blocks; i++, text += 64) {
        sha1_first_half(&s, &b, text);
        sha1_second_half(&s, &b);
    }
    sha1_end(&s, state);
}

/*
 * SHA-1 over text_blocks whole blocks of text while decrypting aes_blocks of data in place
 * (CBC, the iv before the first block). Three AES blocks ride in every SHA-1 block; AES blocks
 * left over when the text ends are decrypted after it, and text left over is hashed alone.
 */
EXPORT void crmchat_sha1_cbc_decrypt(uint32_t state[5], const uint8_t *text, size_t text_blocks,
                                     const uint8_t *keys, uint8_t *data, size_t aes_blocks, const uint8_t iv[16]) {
    sha1_run s = sha1_start(state);
    sha1_block b;
    __m128i previous = load(iv);
    const __m128i k0 = aes_key(keys, 0), k14 = aes_key(keys, 14);
    for (; text_blocks && aes_blocks >= 3; text_blocks--, text += 64, aes_blocks -= 3, data += 48) {
        __m128i c0 = load(data), c1 = load(data + 16), c2 = load(data + 32);
        __m128i x0 = _mm_xor_si128(c0, k0), x1 = _mm_xor_si128(c1, k0), x2 = _mm_xor_si128(c2, k0);
        sha1_first_half(&s, &b, text);
        for (int r = 1; r < 14; r++) {
            __m128i k = aes_key(keys, r);
            x0 = _mm_aesdec_si128(x0, k);
            x1 = _mm_aesdec_si128(x1, k);
            x2 = _mm_aesdec_si128(x2, k);
        }
        sha1_second_half(&s, &b);
        store(data, _mm_xor_si128(_mm_aesdeclast_si128(x0, k14), previous));
        store(data + 16, _mm_xor_si128(_mm_aesdeclast_si128(x1, k14), c0));
        store(data + 32, _mm_xor_si128(_mm_aesdeclast_si128(x2, k14), c1));
        previous = c2;
    }
    for (; text_blocks; text_blocks--, text += 64) {
        sha1_first_half(&s, &b, text);
        sha1_second_half(&s, &b);
    }
    cbc_decrypt_rest(keys, data, aes_blocks, previous);
    sha1_end(&s, state);
}

/*
 * SHA-1 over text_blocks whole blocks of text while encrypting aes_blocks of data in place,
 * chained from iv; the last ciphertext block goes back into iv for the next call. CBC
 * encryption is one chain, so the caller hands in text it already has (an earlier chunk's
 * Base64) beside the chunk to encrypt: about three AES blocks per SHA-1 block.
 */
EXPORT void crmchat_sha1_cbc_encrypt(uint32_t state[5], const uint8_t *text, size_t text_blocks,
                                     const uint8_t *keys, uint8_t *data, size_t aes_blocks, uint8_t iv[16]) {
    sha1_run s = sha1_start(state);
    sha1_block b;
    __m128i previous = load(iv);
    for (; text_blocks && aes_blocks >= 3; text_blocks--, text += 64, aes_blocks -= 3, data += 48) {
        sha1_first_half(&s, &b, text);
        previous = cbc_encrypt_run(keys, data, 3, previous);
        sha1_second_half(&s, &b);
    }
    for (; text_blocks; text_blocks--, text += 64) {
        sha1_first_half(&s, &b, text);
        sha1_second_half(&s, &b);
    }
    previous = cbc_encrypt_run(keys, data, aes_blocks, previous);
    store(iv, previous);
    sha1_end(&s, state);
}
