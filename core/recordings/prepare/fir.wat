;; The resampler's inner loop (core/media/resampler.ts): dot products of a
;; filter phase with a window of the input, four taps at a time with 128-bit
;; SIMD. Compiled into firKernel.wasm.ts by `node scripts/build-wasm.mjs`.
;;
;; fir(x, c, taps, out, n, p, pStep, iStep, L)
;;   for o in 0..n-1:
;;     out[o] = sum over j < taps of c[p*taps + j] * x[j]   (taps a multiple of 4)
;;     x += iStep; p += pStep; if p >= L then p -= L, x += 1
;; x, c and out are byte offsets of f32 arrays in the imported memory.
(module
  (import "env" "memory" (memory 1))
  (func (export "fir")
    (param $x i32) (param $c i32) (param $taps i32) (param $out i32) (param $n i32)
    (param $p i32) (param $pStep i32) (param $iStep i32) (param $L i32)
    (local $end i32) (local $cp i32) (local $xp i32) (local $acc v128)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $outputs
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $cp (i32.add (local.get $c) (i32.shl (i32.mul (local.get $p) (local.get $taps)) (i32.const 2))))
        (local.set $xp (local.get $x))
        (loop $quads
          (local.set $acc
            (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $cp)) (v128.load (local.get $xp)))))
          (local.set $cp (i32.add (local.get $cp) (i32.const 16)))
          (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
          (br_if $quads (i32.lt_u (local.get $xp) (i32.add (local.get $x) (i32.shl (local.get $taps) (i32.const 2))))))
        (f32.store (local.get $out)
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.shl (local.get $iStep) (i32.const 2))))
        (local.set $p (i32.add (local.get $p) (local.get $pStep)))
        (if (i32.ge_u (local.get $p) (local.get $L))
          (then
            (local.set $p (i32.sub (local.get $p) (local.get $L)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))))
        (br $outputs)))))
