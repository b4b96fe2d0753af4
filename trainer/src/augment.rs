//! Training-time augmentation on already preprocessed (normalised) batches, in libtorch:
//! horizontal flip, a random affine warp (shift, scale, rotation), brightness and contrast
//! jitter, and some grayscale so gray cameras are seen in training; [`Augment::robust`] adds
//! what photos from other sources bring: lower resolution (area downscaling and bilinear upscaling
//! back), blur, gamma, colour casts, sensor noise and wider crops. Colour operations act in
//! `[0, 1]` pixel space, so the batch is un-normalised first and re-normalised after. JPEG
//! re-compression is not simulated (the training pictures are JPEGs already).

use tch::{Kind, Tensor};

use crate::framing::{self, Crops, FramingAugment};

/// One uniform draw in `[0, 1)` from libtorch's global generator (seeded per epoch by the loop).
fn rand_unit() -> f64 {
    Tensor::rand([1], (Kind::Float, tch::Device::Cpu)).double_value(&[0])
}

/// How strong each augmentation is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Augment {
    /// Probability of a horizontal flip.
    pub flip: f64,
    /// Largest shift, as a fraction of the image size (each axis).
    pub shift: f64,
    /// Largest relative scale change.
    pub scale: f64,
    /// Largest rotation in degrees.
    pub rotate_deg: f64,
    /// Largest relative brightness change.
    pub brightness: f64,
    /// Largest relative contrast change.
    pub contrast: f64,
    /// Probability of converting to grayscale.
    pub grayscale: f64,
    /// Probability that a batch is partly downscaled and upscaled back (each picture in it with
    /// probability 1/2), to a random 30-80 % of its size.
    pub downscale: f64,
    /// Probability that a batch is partly blurred (Gaussian, sigma 0.5-1.5 px).
    pub blur: f64,
    /// Largest |log gamma|: pixels become `v^gamma`.
    pub gamma: f64,
    /// Largest relative gain per colour channel (white balance, tinted light).
    pub color_cast: f64,
    /// Largest standard deviation of added Gaussian noise, in `[0, 1]` pixel units.
    pub noise: f64,
    /// Re-framing from face-filling to 1.5x wide, low resolution and hard-lit grayscale
    /// ([`crate::framing`]); `None` keeps the shift/scale warp above (older recipes).
    pub framing: Option<FramingAugment>,
}

impl Default for Augment {
    fn default() -> Self {
        Self {
            flip: 0.5,
            shift: 0.06,
            scale: 0.08,
            rotate_deg: 10.0,
            brightness: 0.25,
            contrast: 0.25,
            grayscale: 0.15,
            downscale: 0.0,
            blur: 0.0,
            gamma: 0.0,
            color_cast: 0.0,
            noise: 0.0,
            framing: None,
        }
    }
}

impl Augment {
    /// Stronger augmentation for photos unlike the training crops: zoom from 0.65x to 1.35x (a
    /// square crop tight around the face, centre-cropped to the input, is a ~1.5x zoom), rotations
    /// to 15 degrees, a quarter grayscale, low resolution, blur, gamma, colour
    /// casts and noise.
    pub fn robust() -> Self {
        Self {
            flip: 0.5,
            shift: 0.08,
            scale: 0.35,
            rotate_deg: 15.0,
            brightness: 0.35,
            contrast: 0.35,
            grayscale: 0.25,
            downscale: 0.5,
            blur: 0.3,
            gamma: 0.35,
            color_cast: 0.12,
            noise: 0.04,
            framing: None,
        }
    }

    /// [`Self::robust`] with framing invariance (`train --framing-augment`): crops from the face
    /// detector's box to 1.5x the training framing replace the zoom and shift, plus low
    /// resolution and hard-lit grayscale ([`FramingAugment::default`]).
    pub fn framing() -> Self {
        Self { framing: Some(FramingAugment::default()), ..Self::robust() }
    }

    /// [`Self::framing`] with hard-lit grayscale drawn with probability `gray_hard` instead of
    /// [`FramingAugment::default`]'s (when given).
    pub fn framing_with_gray_hard(gray_hard: Option<f64>) -> Self {
        let mut augment = Self::framing();
        if let (Some(f), Some(p)) = (augment.framing.as_mut(), gray_hard) {
            f.gray_hard = p;
        }
        augment
    }

    /// Augments a normalised `[N, 3, H, W]` batch with libtorch's global RNG.
    pub fn apply(&self, xs: &Tensor, mean: [f32; 3], std: [f32; 3]) -> Tensor {
        let (n, _, h, w) = xs.size4().unwrap_or((0, 3, 0, 0));
        if n == 0 {
            return xs.shallow_clone();
        }
        let opts = (Kind::Float, xs.device());
        let mean_t = Tensor::from_slice(&mean).to_device(xs.device()).view([1, 3, 1, 1]);
        let std_t = Tensor::from_slice(&std).to_device(xs.device()).view([1, 3, 1, 1]);
        let mut x = xs * &std_t + &mean_t;

        let uniform = |lo: f64, hi: f64| Tensor::rand([n], opts) * (hi - lo) + lo;
        let flip = Tensor::rand([n], opts).lt(self.flip).view([n, 1, 1, 1]);
        x = x.flip([3]).where_self(&flip, &x);

        // Affine grid: output pixel (normalised coords) samples the input at theta * [x, y, 1].
        let angle = uniform(-self.rotate_deg, self.rotate_deg) * (std::f64::consts::PI / 180.0);
        // Rotation in normalised coordinates of a non-square image needs the aspect ratio.
        let aspect = w as f64 / h as f64;
        let crops = match &self.framing {
            Some(f) => Crops::draw(f, n, xs.device()),
            None => Crops {
                scale: uniform(1.0 - self.scale, 1.0 + self.scale).reciprocal(),
                cx: uniform(-2.0 * self.shift, 2.0 * self.shift),
                cy: uniform(-2.0 * self.shift, 2.0 * self.shift),
            },
        };
        x = framing::resample(&x, &crops.theta(&angle, aspect));

        let brightness = uniform(1.0 - self.brightness, 1.0 + self.brightness).view([n, 1, 1, 1]);
        let contrast = uniform(1.0 - self.contrast, 1.0 + self.contrast).view([n, 1, 1, 1]);
        let gray_of = |x: &Tensor| {
            let weights =
                Tensor::from_slice(&[0.299f32, 0.587, 0.114]).to_device(x.device()).view([1, 3, 1, 1]);
            (x * weights).sum_dim_intlist([1i64].as_slice(), true, Kind::Float)
        };
        x *= brightness;
        let level = gray_of(&x).mean_dim([2i64, 3].as_slice(), true, Kind::Float);
        x = (x - &level) * contrast + &level;
        if self.color_cast > 0.0 {
            x *= Tensor::rand([n, 3, 1, 1], opts) * (2.0 * self.color_cast) + (1.0 - self.color_cast);
        }
        if self.gamma > 0.0 {
            let gamma = (uniform(-self.gamma, self.gamma)).exp().view([n, 1, 1, 1]);
            x = x.clamp(1e-4, 1.0).pow(&gamma);
        }
        let half = || Tensor::rand([n], opts).lt(0.5).view([n, 1, 1, 1]);
        if self.downscale > 0.0 && rand_unit() < self.downscale {
            let f = 0.3 + 0.5 * rand_unit();
            let (sh, sw) = (((h as f64 * f).round() as i64).max(4), ((w as f64 * f).round() as i64).max(4));
            let small = x.adaptive_avg_pool2d([sh, sw]).upsample_bilinear2d([h, w], false, None, None);
            x = small.where_self(&half(), &x);
        }
        if self.blur > 0.0 && rand_unit() < self.blur {
            let sigma = 0.5 + rand_unit();
            let k: Vec<f32> =
                (-2..=2).map(|d: i32| (-(d * d) as f64 / (2.0 * sigma * sigma)).exp() as f32).collect();
            let sum: f32 = k.iter().sum();
            let k = Tensor::from_slice(&k.iter().map(|v| v / sum).collect::<Vec<_>>()).to_device(x.device());
            let kernel = (k.view([5, 1]) * k.view([1, 5])).view([1, 1, 5, 5]).repeat([3, 1, 1, 1]);
            let padded = x.reflection_pad2d([2, 2, 2, 2]);
            let blurred = padded.conv2d(&kernel, None::<Tensor>, [1, 1], [0, 0], [1, 1], 3);
            x = blurred.where_self(&half(), &x);
        }
        if self.noise > 0.0 {
            let sigma = Tensor::rand([n, 1, 1, 1], opts) * self.noise;
            x = &x + Tensor::randn([n, 3, h, w], opts) * sigma;
        }
        if let Some(f) = &self.framing {
            x = framing::low_resolution(&x, &crops.scale, f);
            x = framing::random_hard_gray(&x.clamp(0.0, 1.0), f);
        }
        let gray = Tensor::rand([n], opts).lt(self.grayscale).view([n, 1, 1, 1]);
        x = gray_of(&x).expand([n, 3, h, w], false).where_self(&gray, &x);
        (x.clamp(0.0, 1.0) - mean_t) / std_t
    }
}
