// Every checkpoint-name rename dsh knows, in one place (as mlx-examples' `map_unet_weights`).

/// Old parameter names that still load.
enum LegacyNames {
    /// Diffusers' `_convert_deprecated_attention_blocks` / `_fix_state_dict_keys_on_load`: inside
    /// an attention block converted from the old `AttentionBlock` (all attention in UNet2DModel),
    /// checkpoints written before diffusers 0.14 (such as the google/ddpm-* conversions) name the
    /// projections `query`, `key`, `value` and `proj_attn`. Given the modern key, this returns the
    /// legacy key it may be stored under (`….to_q.weight` → `….query.weight`); `group_norm` kept
    /// its name.
    static func deprecatedAttentionAliases(of key: String) -> [String] {
        let renames: [(modern: String, legacy: String)] = [
            ("to_q", "query"), ("to_k", "key"), ("to_v", "value"), ("to_out.0", "proj_attn"),
        ]
        for (modern, legacy) in renames {
            for leaf in ["weight", "bias"] where key.hasSuffix(".\(modern).\(leaf)") {
                return [String(key.dropLast(modern.count + leaf.count + 1)) + "\(legacy).\(leaf)"]
            }
        }
        return []
    }
}
