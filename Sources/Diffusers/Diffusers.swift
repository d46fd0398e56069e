// The Diffusers module.
