// FlintNN
