//! BT.601 YUV to RGB as integers (the reference, as libyuv computes it) and in exact `f32`
//! lanes for whole rows ([`Bt601Lanes::block`]; `yuv_x86` has the same block in AVX2).

/// Pixels converted together by [`Bt601Lanes::block`]: 8 chroma samples, 16 pixels.
pub(crate) const BLOCK: usize = 16;

/// [`Bt601`] in `f32` lanes, for whole rows: every product and sum of the fixed-point formula is
/// an integer below 2^24, so `f32` holds it exactly and the result is the integer code's bit for
/// bit (tested over every Y, U and V); `f32` lanes vectorise on every target (baseline x86_64
/// has no 32-bit integer multiply in its vector unit).
#[derive(Clone, Copy)]
pub(crate) struct Bt601Lanes {
    pub(crate) black: f32,
    pub(crate) luma: f32,
    pub(crate) kr: f32,
    pub(crate) kgu: f32,
    pub(crate) kgv: f32,
    pub(crate) kb: f32,
}

impl Bt601Lanes {
    pub(crate) fn of(m: Bt601) -> Self {
        Self {
            black: m.black as f32,
            luma: m.luma as f32,
            kr: m.kr as f32,
            kgu: m.kgu as f32,
            kgv: m.kgv as f32,
            kb: m.kb as f32,
        }
    }

    /// RGB of [`BLOCK`] pixels whose luma is `luma`, starting on a chroma sample's first pixel:
    /// chroma sample `j` is `u[j * step]`, `v[j * step]`.
    #[inline(always)]
    pub(crate) fn block(&self, luma: &[u8], u: &[u8], v: &[u8], step: usize, out: &mut [u8]) {
        const PAIRS: usize = BLOCK / 2;
        let (luma, out) = (&luma[..BLOCK], &mut out[..BLOCK * 3]);
        let (u, v) = (&u[..(PAIRS - 1) * step + 1], &v[..(PAIRS - 1) * step + 1]);
        // Per pair, per pixel and per channel, so each loop below is one straight vector loop.
        let (mut cu, mut cv) = ([0f32; PAIRS], [0f32; PAIRS]);
        for j in 0..PAIRS {
            cu[j] = f32::from(u[j * step]) - 128.0;
            cv[j] = f32::from(v[j * step]) - 128.0;
        }
        let mut terms = [[0f32; PAIRS]; 3];
        for j in 0..PAIRS {
            terms[0][j] = self.kr * cv[j];
            terms[1][j] = -self.kgu * cu[j] - self.kgv * cv[j];
            terms[2][j] = self.kb * cu[j];
        }
        let mut l = [0f32; BLOCK];
        for (l, &y) in l.iter_mut().zip(luma) {
            // `+ 128` rounds as the integer code's does before its shift by 8.
            *l = (f32::from(y) - self.black) * self.luma + 128.0;
        }
        let mut rgb = [[0u8; BLOCK]; 3];
        for (channel, terms) in rgb.iter_mut().zip(&terms) {
            for (p, o) in channel.iter_mut().enumerate() {
                // Clamped to 0..=65535 and added to 2^23, the integer sits in the low bits of
                // the float's mantissa: bits 8..16 are the integer code's `>> 8` then clamp to
                // 0..=255, with no float-to-integer conversion (which does not vectorise).
                let sum = (l[p] + terms[p / 2]).clamp(0.0, 65535.0) + 8_388_608.0;
                *o = (sum.to_bits() >> 8) as u8;
            }
        }
        for (p, px) in out.as_chunks_mut::<3>().0.iter_mut().enumerate() {
            *px = [rgb[0][p], rgb[1][p], rgb[2][p]];
        }
    }
}

/// The BT.601 matrix for one range, in fixed point: 1.402, 0.344136, 0.714136, 1.772 times 256;
/// limited range scales Y by 255/219 and chroma by 255/224 first (folded into the constants).
#[derive(Clone, Copy)]
pub(crate) struct Bt601 {
    black: i32,
    luma: i32,
    kr: i32,
    kgu: i32,
    kgv: i32,
    kb: i32,
}

impl Bt601 {
    /// Full range (`YuvRange::Full`).
    pub(crate) const FULL: Self = Self { black: 0, luma: 256, kr: 359, kgu: 88, kgv: 183, kb: 454 };
    /// Limited ("video") range (`YuvRange::Limited`).
    pub(crate) const LIMITED: Self = Self { black: 16, luma: 298, kr: 409, kgu: 100, kgv: 208, kb: 516 };

    /// What the chroma sample adds to each channel.
    #[inline(always)]
    pub(crate) fn chroma(&self, u: u8, v: u8) -> [i32; 3] {
        let (u, v) = (u as i32 - 128, v as i32 - 128);
        [self.kr * v, -self.kgu * u - self.kgv * v, self.kb * u]
    }

    #[cfg(test)]
    pub(crate) fn rgb(&self, y: u8, u: u8, v: u8) -> [i32; 3] {
        let l = (y as i32 - self.black) * self.luma;
        self.chroma(u, v).map(|t| l + t)
    }

    #[inline(always)]
    pub(crate) fn rgb8(&self, y: u8, chroma: [i32; 3]) -> [u8; 3] {
        let l = (y as i32 - self.black) * self.luma;
        chroma.map(|t| ((l + t + 128) >> 8).clamp(0, 255) as u8)
    }
}
